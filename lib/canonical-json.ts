/**
 * JSON with object keys sorted recursively and no whitespace, so equal values
 * always serialise (and hash) the same whatever order their keys were built
 * in. Keys sort by UTF-16 code unit and numbers print as JSON.stringify
 * prints them, which is what RFC 8785 (JCS) specifies. Otherwise it follows
 * JSON.stringify: toJSON() is honoured, undefined/function members are
 * dropped from objects and become null in arrays, non-finite numbers are null.
 */
export function canonicalJson(value: unknown): string {
  const out = encode(value);
  if (out === undefined) throw new TypeError('canonicalJson: value has no JSON representation');
  return out;
}

// Printable ASCII other than " and \ needs no escaping: the common case, and
// much cheaper to test than to run JSON.stringify on every key and value.
const PLAIN = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

/** `text` as a JSON string, exactly as canonicalJson() writes strings. */
export function quote(text: string): string {
  return PLAIN.test(text) ? `"${text}"` : JSON.stringify(text);
}

function encode(value: unknown): string | undefined {
  if (value !== null && typeof value === 'object' && typeof (value as { toJSON?: unknown }).toJSON === 'function') {
    value = (value as { toJSON: () => unknown }).toJSON();
  }
  switch (typeof value) {
    case 'string':
      return quote(value);
    case 'number':
      // For finite numbers String() is exactly JSON.stringify()'s output.
      return Number.isFinite(value) ? String(value) : 'null';
    case 'boolean':
      return value ? 'true' : 'false';
    case 'bigint':
      throw new TypeError('canonicalJson: BigInt has no JSON representation');
    case 'undefined':
    case 'function':
    case 'symbol':
      return undefined;
  }
  if (value === null) return 'null';
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) out += (i ? ',' : '') + (encode(value[i]) ?? 'null');
    return out + ']';
  }
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record).sort();
  let out = '{';
  for (const key of keys) {
    const encoded = encode(record[key]);
    if (encoded === undefined) continue;
    out += (out.length > 1 ? ',' : '') + quote(key) + ':' + encoded;
  }
  return out + '}';
}
