/**
 * Plain @apollo/gateway 2.14 on Apollo Server's standalone server, for
 * bench/gateways.ts: no authentication, no audit, no limits; it signs the
 * bench tenant's caller for each subgraph fetch and does nothing more.
 */
import { ApolloGateway, RemoteGraphQLDataSource } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { INTERNAL_CALLER_HEADER } from '../../lib/internal-token';
import { peerEnv } from './peer-env';

const env = peerEnv();
const server = new ApolloServer({
  gateway: new ApolloGateway({
    supergraphSdl: env.supergraphSdl,
    buildService: ({ name }) =>
      new RemoteGraphQLDataSource({
        url: env.urls[name]!,
        willSendRequest({ request }) {
          request.http?.headers.set(INTERNAL_CALLER_HEADER, env.sign(name));
        },
      }),
  }),
});
startStandaloneServer(server, { listen: { port: env.port, host: '127.0.0.1' } }).then(({ url }) => process.send?.({ listening: url }));
