import { RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { GraphQLError } from 'graphql';
import { ErrorCode } from '../../lib/errors';
import { INTERNAL_CALLER_HEADER, signCaller } from '../../lib/internal-token';
import { REQUEST_ID_HEADER } from '../../lib/request-id';
import type { GatewayContext } from './context';

/**
 * How the gateway calls one subgraph: forwards the request id and the
 * verified caller (signed, so the subgraph trusts nothing else), and turns a
 * transport failure into a stable SUBGRAPH_UNAVAILABLE error naming the
 * service, so clients get partial data with a clear error instead of a
 * socket message.
 */
export class SubgraphDataSource extends RemoteGraphQLDataSource<GatewayContext> {
  constructor(
    private readonly serviceName: string,
    url: string,
    private readonly internalSecret: string,
  ) {
    super({ url });
  }

  override willSendRequest({ request, context }: GraphQLDataSourceProcessOptions<GatewayContext>): void {
    if (!context?.caller) return;
    request.http?.headers.set(REQUEST_ID_HEADER, context.requestId);
    request.http?.headers.set(INTERNAL_CALLER_HEADER, signCaller(context.caller, this.internalSecret));
  }

  override didEncounterError(error: Error, _req: unknown, response?: { status: number }): void {
    if (response && response.status < 500) {
      // A 4xx carries the subgraph's own GraphQL error (e.g. a custom scalar
      // refusing its input, which the gateway cannot check): pass it on, code and all.
      const body = (error as { extensions?: { response?: { body?: { errors?: unknown } } } }).extensions?.response?.body;
      const first = Array.isArray(body?.errors) ? (body.errors[0] as { message?: unknown; extensions?: Record<string, unknown> }) : undefined;
      if (typeof first?.message !== 'string') throw error;
      throw new GraphQLError(first.message, { extensions: { ...first.extensions, serviceName: this.serviceName } });
    }
    throw new GraphQLError(`The ${this.serviceName} service is unavailable; retry shortly`, {
      extensions: { code: ErrorCode.SUBGRAPH_UNAVAILABLE, serviceName: this.serviceName, ...(response && { status: response.status }) },
    });
  }
}
