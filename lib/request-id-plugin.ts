import type { ApolloServerPlugin, BaseContext } from '@apollo/server';

/**
 * Stamps the request id on every error of a response. formatError alone
 * cannot: errors raised before execution (parse, validation) are formatted
 * without the request's context.
 */
export function requestIdPlugin<C extends BaseContext>(requestIdOf: (context: C) => string): ApolloServerPlugin<C> {
  return {
    async requestDidStart({ contextValue }) {
      return {
        async willSendResponse({ response }) {
          if (response.body.kind !== 'single' || !response.body.singleResult.errors) return;
          const requestId = requestIdOf(contextValue);
          response.body.singleResult.errors = response.body.singleResult.errors.map((e) => ({
            ...e,
            extensions: { ...e.extensions, requestId },
          }));
        },
      };
    },
  };
}
