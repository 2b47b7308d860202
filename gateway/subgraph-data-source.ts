import { RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { GraphQLError } from 'graphql';
import { REQUEST_ID_HEADER } from '../lib/request-id';
import type { GatewayContext } from './context';

export const SUBGRAPH_UNAVAILABLE = 'SUBGRAPH_UNAVAILABLE';

/**
 * How the gateway calls one subgraph: forwards the request id, and turns a
 * transport failure into a stable SUBGRAPH_UNAVAILABLE error naming the
 * service, so clients get partial data with a clear error instead of a
 * socket message.
 */
export class SubgraphDataSource extends RemoteGraphQLDataSource<GatewayContext> {
  constructor(private readonly serviceName: string, url: string) {
    super({ url });
  }

  override willSendRequest({ request, context }: GraphQLDataSourceProcessOptions<GatewayContext>): void {
    if (context?.requestId) request.http?.headers.set(REQUEST_ID_HEADER, context.requestId);
  }

  override didEncounterError(error: Error, _req: unknown, response?: { status: number }): void {
    if (response && response.status < 500) throw error;
    throw new GraphQLError(`The ${this.serviceName} service is unavailable; retry shortly`, {
      extensions: { code: SUBGRAPH_UNAVAILABLE, serviceName: this.serviceName, ...(response && { status: response.status }) },
    });
  }
}
