import { readFileSync } from 'node:fs';
import path from 'node:path';
import { printExecutableGraphQLDocument } from '@graphql-tools/documents';
import { parse } from 'graphql';
import { LRUCache } from 'lru-cache';
import { isPlatformOperator, type Caller } from '../../lib/caller';
import { ErrorCode } from '../../lib/errors';
import { sha256Hex } from '../../lib/hash';
import { DEFAULT_APQ_LIMITS, DEFAULT_LIMITS, type OperationLimits, type PersistedQueryLimits } from '../../lib/limits';

/** The manifest graphql-codegen's client preset writes from docs/operations and the pages' documents (committed). */
export const PERSISTED_DOCUMENTS_PATH = path.resolve(__dirname, '..', '..', 'pages', '__generated__', 'persisted-documents.json');

/**
 * `allow`: any document, by text or by hash (the manifest's, or one a tool
 * registered); `safelist`: only the manifest's documents, for production.
 */
export type TrustedDocumentsMode = 'allow' | 'safelist';

export interface TrustedDocumentsOptions {
  mode: TrustedDocumentsMode;
  /** Hex sha256 → document text, as `loadManifest` reads it. */
  manifest: ReadonlyMap<string, string>;
  apq?: PersistedQueryLimits;
  /** Bounds the parse of a document whose printed form is looked up in the manifest. */
  limits?: Pick<OperationLimits, 'maxDocumentBytes' | 'maxTokens'>;
}

/** Why a document was not resolved: a stable code and what to tell the client. */
export interface DocumentRefusal {
  code: ErrorCode;
  message: string;
}

/**
 * What to run: `query` is the document text (null when the request carried
 * none, left for Apollo to refuse); `register` the hash to store it under
 * once it has run; `rewritten` whether the request must be handed on with
 * this text and without its persistedQuery extension.
 */
export type DocumentResolution =
  | { ok: true; query: string | null; register: string | null; rewritten: boolean }
  | { ok: false; refusal: DocumentRefusal };

const HASH = /^(?:sha256:)?([0-9a-fA-F]{64})$/;

/**
 * Reads the client preset's manifest: `{"sha256:<hex>": "<printed document>"}`.
 * Every entry is checked against its own text, so a manifest edited by hand
 * (or made with another hash) stops the gateway instead of trusting a
 * document under a name that is not its own.
 */
export function loadManifest(file: string = PERSISTED_DOCUMENTS_PATH): Map<string, string> {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new Error(`cannot read the persisted documents manifest ${file}: ${(error as Error).message}`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new Error(`${file}: the manifest must be a JSON object of hash → document`);
  const manifest = new Map<string, string>();
  for (const [key, text] of Object.entries(raw)) {
    const hash = HASH.exec(key)?.[1]?.toLowerCase();
    if (!hash || typeof text !== 'string') throw new Error(`${file}: entry ${JSON.stringify(key.slice(0, 80))} is not "sha256:<64 hex digits>": "<document>"`);
    if (sha256Hex(text) !== hash) throw new Error(`${file}: entry ${key} is not the sha256 of its document`);
    manifest.set(hash, text);
  }
  return manifest;
}

/**
 * The sha256 the client preset gives a document: of its printed form
 * (definitions and selections sorted, white space collapsed), so the same
 * document written another way, as graphql-js's print() writes it, finds its
 * manifest entry. Printing collapses white space inside string literals too,
 * so two documents with one hash may differ there: a document matched this
 * way is run as the manifest has it, never as the client sent it.
 */
export function printedDocumentHash(text: string, limits: Pick<OperationLimits, 'maxDocumentBytes' | 'maxTokens'> = DEFAULT_LIMITS): string | null {
  if (Buffer.byteLength(text) > limits.maxDocumentBytes) return null;
  try {
    return sha256Hex(printExecutableGraphQLDocument(parse(text, { maxTokens: limits.maxTokens, noLocation: true })));
  } catch {
    return null;
  }
}

/** The persistedQuery extension as Apollo clients send it: `{ version: 1, sha256Hash }`; null when absent. */
function persistedQueryOf(extensions: unknown): { hash: string } | { refusal: DocumentRefusal } | null {
  if (extensions == null || typeof extensions !== 'object' || Array.isArray(extensions)) return null;
  const pq = (extensions as Record<string, unknown>).persistedQuery;
  if (pq === undefined) return null;
  const bad = (message: string) => ({ refusal: { code: ErrorCode.BAD_REQUEST, message } });
  if (typeof pq !== 'object' || pq === null || Array.isArray(pq)) return bad('extensions.persistedQuery must be an object: { "version": 1, "sha256Hash": "<64 hex digits>" }');
  const { version, sha256Hash } = pq as Record<string, unknown>;
  if (version !== 1) return bad('extensions.persistedQuery.version must be 1');
  const hash = typeof sha256Hash === 'string' ? HASH.exec(sha256Hash)?.[1] : undefined;
  if (!hash) return bad('extensions.persistedQuery.sha256Hash must be 64 hex digits (optionally prefixed "sha256:", as the client preset writes it)');
  return { hash: hash.toLowerCase() };
}

/**
 * Trusted documents: the manifest's documents by hash, automatic persisted
 * queries (APQ) for tools, and in safelist mode nothing else. One instance
 * serves HTTP and both stream transports, so a document refused on one is
 * refused on all.
 *
 * The APQ store is keyed by the caller's tenant as well as the hash: a
 * document can hold literals (a subject reference, say), and a store shared
 * between tenants would tell one tenant, by answering its hash, that another
 * ran that exact document. It is an LRU bounded by entries and bytes, so no
 * stream of registrations can grow it; one tenant's registrations can evict
 * another's, which costs that client one more round trip (NOT_FOUND, then
 * the text again), never an answer. It is per replica: a client whose next
 * call lands on another replica registers there too.
 */
export class TrustedDocuments {
  readonly mode: TrustedDocumentsMode;
  private readonly manifest: ReadonlyMap<string, string>;
  private readonly apq: LRUCache<string, string>;
  private readonly limits: Pick<OperationLimits, 'maxDocumentBytes' | 'maxTokens'>;
  // Clients that send a manifest document as text, printed their own way, send the same text every time.
  private readonly printedHashes = new LRUCache<string, string | false>({ max: 1_000, maxSize: 4 * 1024 * 1024, sizeCalculation: (_hash, text) => text.length + 64 });

  constructor(options: TrustedDocumentsOptions) {
    this.mode = options.mode;
    this.manifest = options.manifest;
    this.limits = options.limits ?? DEFAULT_LIMITS;
    const apq = options.apq ?? DEFAULT_APQ_LIMITS;
    this.apq = new LRUCache<string, string>({ max: apq.maxEntries, maxSize: apq.maxBytes, sizeCalculation: (text, key) => Buffer.byteLength(text) + key.length });
  }

  /** Documents in the manifest. */
  get manifestSize(): number {
    return this.manifest.size;
  }

  /** What the APQ store holds now: entries and their bytes (texts and keys). */
  apqUsage(): { entries: number; bytes: number } {
    return { entries: this.apq.size, bytes: this.apq.calculatedSize };
  }

  /**
   * The document a request asks for. By hash: the manifest's, else (allow
   * mode) the caller's tenant's registered one, else PERSISTED_QUERY_NOT_FOUND,
   * which Apollo clients answer by sending the text with the hash. Text with
   * a hash must hash to it. In safelist mode a tenant's document must be in
   * the manifest, by hash or by text; the platform operator is exempt (see
   * `exempt`).
   */
  resolve(caller: Caller, query: unknown, extensions: unknown): DocumentResolution {
    const persisted = persistedQueryOf(extensions);
    if (persisted && 'refusal' in persisted) return { ok: false, refusal: persisted.refusal };
    const safelisted = this.mode === 'safelist' && !this.exempt(caller);
    if (persisted) {
      const { hash } = persisted;
      // graphql-ws and graphql-sse require a query string: an empty one with a hash asks by hash alone.
      if (query === undefined || query === null || query === '') {
        const trusted = this.manifest.get(hash);
        if (trusted !== undefined) return { ok: true, query: trusted, register: null, rewritten: true };
        // Saying NOT_FOUND would only make the client send text that is refused anyway.
        if (safelisted) return notInSafelist();
        const registered = this.mode === 'allow' ? this.apq.get(apqKey(caller, hash)) : undefined;
        if (registered !== undefined) return { ok: true, query: registered, register: null, rewritten: true };
        return { ok: false, refusal: { code: ErrorCode.PERSISTED_QUERY_NOT_FOUND, message: 'PersistedQueryNotFound: send the document with its hash' } };
      }
      if (typeof query !== 'string') return { ok: false, refusal: { code: ErrorCode.BAD_REQUEST, message: 'query must be a string' } };
      const trusted = this.manifest.get(hash);
      if (sha256Hex(query) !== hash && (trusted === undefined || this.printedHash(query) !== hash)) {
        return { ok: false, refusal: { code: ErrorCode.PERSISTED_QUERY_HASH_MISMATCH, message: 'extensions.persistedQuery.sha256Hash is not the sha256 of the query sent' } };
      }
      if (trusted !== undefined) return { ok: true, query: trusted, register: null, rewritten: true };
      if (safelisted) return notInSafelist();
      // Registration is APQ, a convenience for tools: safelist mode takes no new documents, from anyone.
      return { ok: true, query, register: this.mode === 'allow' ? hash : null, rewritten: true };
    }
    if (!safelisted || typeof query !== 'string') return { ok: true, query: typeof query === 'string' ? query : null, register: null, rewritten: false };
    if (this.manifest.has(sha256Hex(query))) return { ok: true, query, register: null, rewritten: false };
    const printed = this.printedHash(query);
    const trusted = printed === null ? undefined : this.manifest.get(printed);
    if (trusted !== undefined) return { ok: true, query: trusted, register: null, rewritten: true };
    return notInSafelist();
  }

  /**
   * Stores a document a caller sent with its hash. Called only after the
   * caller was authenticated, the document passed the operation limits and
   * Apollo ran it (it parsed and validated): unauthenticated or refused
   * input never takes a place in the store.
   */
  register(caller: Caller, hash: string, query: string): void {
    if (this.mode !== 'allow' || Buffer.byteLength(query) > this.limits.maxDocumentBytes) return;
    this.apq.set(apqKey(caller, hash), query);
  }

  /**
   * The platform operator runs documents outside the safelist: its keys are
   * made only by the CLI, it reads and investigates across tenants (ad-hoc
   * queries, GraphiQL's introspection) and every call it makes is on the
   * audit trail. Tenant keys, the exposed ones, get the manifest only.
   */
  private exempt(caller: Caller): boolean {
    return isPlatformOperator(caller);
  }

  private printedHash(query: string): string | null {
    const cached = this.printedHashes.get(query);
    if (cached !== undefined) return cached || null;
    const hash = printedDocumentHash(query, this.limits);
    this.printedHashes.set(query, hash ?? false);
    return hash;
  }
}

function apqKey(caller: Caller, hash: string): string {
  return `${caller.tenantId ?? 'platform'}:${hash}`;
}

function notInSafelist(): DocumentResolution {
  return { ok: false, refusal: { code: ErrorCode.PERSISTED_QUERY_NOT_IN_SAFELIST, message: 'this gateway runs trusted documents only, and this document is not among them' } };
}
