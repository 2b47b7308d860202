import * as apolloTelemetry from '@apollo/gateway/dist/utilities/opentelemetry';
import type { RunningSystem } from '../system/start-system';
import { graphql, startTestSystem } from './helpers/system';

/**
 * @apollo/gateway's own data collection (usage metrics sent to Apollo, after
 * probing cloud metadata endpoints) stays off unless an operator turns it on:
 * the gateway makes no outbound call nobody asked for.
 */
describe("@apollo/gateway's data collection", () => {
  const original = process.env.APOLLO_TELEMETRY_DISABLED;
  let exporter: jest.SpyInstance;
  let system: RunningSystem | undefined;

  beforeEach(() => {
    // Stands in for the exporter, so that even when it is asked for nothing leaves the machine.
    exporter = jest.spyOn(apolloTelemetry, 'createDataCollectionExporter').mockImplementation(() => ({ shutdown: async () => undefined }) as never);
  });
  afterEach(async () => {
    await system?.close();
    system = undefined;
    exporter.mockRestore();
    if (original === undefined) delete process.env.APOLLO_TELEMETRY_DISABLED;
    else process.env.APOLLO_TELEMETRY_DISABLED = original;
  });

  it('is never started by default, while the gateway answers', async () => {
    delete process.env.APOLLO_TELEMETRY_DISABLED;
    system = await startTestSystem();
    expect((await graphql(system.gateway.url, '{ __typename }')).status).toBe(200);
    expect(exporter).not.toHaveBeenCalled();
  });

  it('starts only when an operator asks for it', async () => {
    process.env.APOLLO_TELEMETRY_DISABLED = 'false';
    system = await startTestSystem();
    expect(exporter).toHaveBeenCalledTimes(1);
  });
});
