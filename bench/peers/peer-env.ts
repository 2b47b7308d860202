import { randomBytes } from 'node:crypto';
import { decodePrivateKey } from '../../lib/internal-keys';
import { CallerSigner } from '../../lib/internal-token';
import type { Caller } from '../../lib/caller';

/**
 * What a peer gateway of bench/gateways.ts is given by its environment: the
 * supergraph, where each subgraph listens, and a signer that makes the
 * bench tenant's caller token for one fetch to one subgraph (the subgraphs
 * accept each token once, so a peer signs per fetch, as ours does).
 */
export function peerEnv() {
  const need = (name: string) => {
    const value = process.env[name];
    if (!value) throw new Error(`${name} is required (the peers are started by bench/gateways.ts)`);
    return value;
  };
  const signer = new CallerSigner(decodePrivateKey(need('INTERNAL_AUTH_PRIVATE_KEY')));
  const tenantId = need('BENCH_TENANT_ID');
  const urls = JSON.parse(need('SUBGRAPH_URLS')) as Record<string, string>;
  const sign = (subgraph: string) => {
    const caller: Caller = { requestId: `req_${randomBytes(16).toString('hex')}`, actor: 'bench-peer', tenantId, scopes: new Set(['read']), surface: 'GRAPHQL' };
    return signer.sign(caller, subgraph);
  };
  return { supergraphSdl: need('SUPERGRAPH_SDL'), urls, port: Number(need('PORT')), sign };
}
