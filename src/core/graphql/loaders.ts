import DataLoader from 'dataloader';

/**
 * A DataLoader over a batch lookup that answers a Map: each key gets its value, or `missing`
 * (null for single records, [] for lists). One statement per batch, whatever the list's length.
 */
export function mapLoader<V, M extends V | null = V | null>(
  fetch: (keys: readonly string[]) => Promise<Map<string, V>>,
  missing: M,
): DataLoader<string, V | M> {
  return new DataLoader(async (keys) => {
    const found = await fetch(keys);
    return keys.map((key) => found.get(key) ?? missing);
  });
}

/**
 * Memoises per request: `create` runs once for each request context (the key object) and its
 * result lives and dies with it, so loaders batch within a request and never across requests.
 */
export function perRequest<C extends object, T>(create: (context: C) => T): (context: C) => T {
  const memo = new WeakMap<C, T>();
  return (context) => {
    let value = memo.get(context);
    if (value === undefined) {
      value = create(context);
      memo.set(context, value);
    }
    return value;
  };
}
