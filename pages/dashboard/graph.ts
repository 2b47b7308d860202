import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print } from 'graphql';

/** A refusal or failure the page reports as it came: the graph's own code and reason. */
export class GraphError extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
    readonly reason: string | undefined,
    readonly status: number,
    /** The argument a BAD_USER_INPUT names. */
    readonly argument?: string,
  ) {
    super(message);
  }

  /** The key itself is refused: asking again with it cannot help. */
  get badKey(): boolean {
    return this.code === 'UNAUTHENTICATED' || this.code === 'FORBIDDEN';
  }
}

interface GraphQLError {
  message: string;
  extensions?: { code?: string; reason?: string; requiredScope?: string; argument?: string };
}

const printed = new WeakMap<object, string>();

/** The document's text, printed once: the gateway takes queries as text. */
export function source(document: TypedDocumentNode<unknown, never>): string {
  let text = printed.get(document);
  if (text === undefined) {
    text = print(document);
    printed.set(document, text);
  }
  return text;
}

/** Explains a refusal in words a person holding the key can act on. */
export function describeError(error: GraphQLError, status = 200): GraphError {
  const { code, reason, requiredScope, argument } = error.extensions ?? {};
  let message = error.message;
  if (code === 'UNAUTHENTICATED') message = `The gateway refused this key (${reason ?? 'unauthenticated'}): ${error.message}`;
  else if (code === 'FORBIDDEN' && requiredScope) message = `This key lacks the ${requiredScope} scope: ${error.message}`;
  return new GraphError(message, code, reason, status, argument);
}

/**
 * Runs one operation against the gateway's /graphql with the pasted key.
 * Any error fails the whole call: every query of the page asks for one
 * thing, and a partial answer would draw a misleading chart.
 */
export async function request<TData, TVariables extends Record<string, unknown>>(
  document: TypedDocumentNode<TData, TVariables>,
  variables: TVariables,
  apiKey: string,
  signal?: AbortSignal,
): Promise<TData> {
  let res: Response;
  try {
    res = await fetch('/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json', 'x-api-key': apiKey },
      body: JSON.stringify({ query: source(document as TypedDocumentNode<unknown, never>), variables }),
      signal,
    });
  } catch (err) {
    if ((err as Error).name === 'AbortError') throw err;
    throw new GraphError(`The gateway could not be reached: ${(err as Error).message}`, 'NETWORK', undefined, 0);
  }
  let body: { data?: TData | null; errors?: GraphQLError[] };
  try {
    body = await res.json();
  } catch {
    throw new GraphError(`The gateway answered ${res.status} without a GraphQL body`, undefined, undefined, res.status);
  }
  if (body.errors?.length) throw describeError(body.errors[0]!, res.status);
  if (!res.ok || body.data == null) throw new GraphError(`The gateway answered ${res.status} with no data`, undefined, undefined, res.status);
  return body.data;
}
