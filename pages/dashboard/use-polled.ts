import { useEffect, useState } from 'react';
import { GraphError } from './graph';

export interface Polled<T> {
  data: T | null;
  error: GraphError | null;
  loading: boolean;
}

/**
 * Runs `load` now, whenever `deps` change, and every `everyMs` while the tab
 * is visible. An answer that arrives after its inputs changed is dropped
 * (its request is aborted), so a slow 30-day report can never overwrite the
 * 24-hour one asked for after it. The last good data stays shown beside a
 * failed refresh's error.
 */
export function usePolled<T>(load: (signal: AbortSignal) => Promise<T>, deps: readonly unknown[], everyMs: number): Polled<T> {
  const [state, setState] = useState<Polled<T>>({ data: null, error: null, loading: true });
  useEffect(() => {
    let controller = new AbortController();
    const run = () => {
      controller.abort();
      controller = new AbortController();
      const { signal } = controller;
      setState((s) => ({ ...s, loading: true }));
      load(signal).then(
        (data) => !signal.aborted && setState({ data, error: null, loading: false }),
        (err: unknown) => {
          if (signal.aborted) return;
          const error = err instanceof GraphError ? err : new GraphError(err instanceof Error ? err.message : String(err), undefined, undefined, 0);
          setState((s) => ({ data: s.data, error, loading: false }));
        },
      );
    };
    setState({ data: null, error: null, loading: true });
    run();
    const timer = setInterval(() => document.visibilityState === 'visible' && run(), everyMs);
    return () => {
      clearInterval(timer);
      controller.abort();
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, deps);
  return state;
}
