/** Orders rows to match DataLoader keys; missing keys resolve to null ("not found"). */
export function byKey<K, T>(keys: readonly K[], rows: readonly T[], keyOf: (row: T) => K): Array<T | null> {
  const index = new Map<K, T>();
  for (const row of rows) index.set(keyOf(row), row);
  return keys.map((key) => index.get(key) ?? null);
}

/** Groups rows under DataLoader keys; a key with no rows gets an empty list. */
export function groupByKey<K, T>(keys: readonly K[], rows: readonly T[], keyOf: (row: T) => K): T[][] {
  const groups = new Map<K, T[]>();
  for (const row of rows) {
    const key = keyOf(row);
    const group = groups.get(key);
    if (group) group.push(row);
    else groups.set(key, [row]);
  }
  return keys.map((key) => groups.get(key) ?? []);
}

/**
 * DataLoaders for a field with arguments (e.g. `Tenant.decisions(first, filter)`):
 * one loader per distinct argument set, so parents asking the same question
 * are batched together and different questions never share a cache entry.
 */
export function loaderFamily<A, L>(keyOf: (args: A) => string, make: (args: A) => L): (args: A) => L {
  const loaders = new Map<string, L>();
  return (args) => {
    const key = keyOf(args);
    let loader = loaders.get(key);
    if (!loader) loaders.set(key, (loader = make(args)));
    return loader;
  };
}
