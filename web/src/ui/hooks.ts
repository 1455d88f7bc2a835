// Small data hooks: load something and keep it fresh, run an action with a busy state, page
// through a cursor-paginated list.
import { type DependencyList, useCallback, useEffect, useRef, useState } from 'react';

export interface Loaded<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  reload(): Promise<void>;
  setData(data: T): void;
}

/**
 * Loads `load()` when `deps` change (and on `reload()`). Answers that arrive after a newer
 * request started are dropped. `refreshMs` re-reads in the background while the tab is seen.
 */
export function useLoader<T>(
  load: (signal: AbortSignal) => Promise<T>,
  deps: DependencyList,
  options: { refreshMs?: number; enabled?: boolean } = {},
): Loaded<T> {
  const [state, setState] = useState<{ data: T | undefined; error: unknown; loading: boolean }>({
    data: undefined,
    error: undefined,
    loading: options.enabled !== false,
  });
  const generation = useRef(0);
  const loadRef = useRef(load);
  loadRef.current = load;
  const enabled = options.enabled !== false;

  const run = useCallback(async (quiet: boolean) => {
    const mine = ++generation.current;
    const controller = new AbortController();
    if (!quiet) setState((s) => ({ ...s, loading: true }));
    try {
      const data = await loadRef.current(controller.signal);
      if (mine === generation.current) setState({ data, error: undefined, loading: false });
    } catch (error) {
      if (mine === generation.current) {
        setState((s) => ({ data: quiet ? s.data : undefined, error, loading: false }));
      }
    }
  }, []);

  useEffect(() => {
    if (!enabled) return;
    void run(false);
  }, [enabled, run, ...deps]);

  useEffect(() => {
    if (!enabled || !options.refreshMs) return;
    const timer = window.setInterval(() => {
      if (!document.hidden) void run(true);
    }, options.refreshMs);
    const visible = () => {
      if (!document.hidden) void run(true);
    };
    document.addEventListener('visibilitychange', visible);
    return () => {
      window.clearInterval(timer);
      document.removeEventListener('visibilitychange', visible);
    };
  }, [enabled, options.refreshMs, run]);

  const reload = useCallback(() => run(true), [run]);
  const setData = useCallback(
    (data: T) => setState({ data, error: undefined, loading: false }),
    [],
  );
  return { ...state, reload, setData };
}

/** Runs async work with a busy flag; a second start while busy is ignored (no double submit). */
export function useBusy(): [boolean, <T>(work: () => Promise<T>) => Promise<T | undefined>] {
  const [busy, setBusy] = useState(false);
  const running = useRef(false);
  const mounted = useRef(true);
  useEffect(() => {
    mounted.current = true;
    return () => {
      mounted.current = false;
    };
  }, []);
  const run = useCallback(async <T>(work: () => Promise<T>) => {
    if (running.current) return undefined;
    running.current = true;
    setBusy(true);
    try {
      return await work();
    } finally {
      running.current = false;
      if (mounted.current) setBusy(false);
    }
  }, []);
  return [busy, run];
}

export interface CursorPage<T> {
  items: T[];
  nextCursor: string | null;
}

export interface CursorList<T> {
  items: T[];
  loading: boolean;
  error: unknown;
  hasMore: boolean;
  loadMore(): Promise<void>;
  reload(): Promise<void>;
}

/** A list read page by page ("Load more"); `reload` starts again from the first page. */
export function useCursorList<T>(
  fetchPage: (cursor: string | undefined, signal: AbortSignal) => Promise<CursorPage<T>>,
  deps: DependencyList,
  options: { enabled?: boolean } = {},
): CursorList<T> {
  const [state, setState] = useState<{
    items: T[];
    next: string | null;
    loading: boolean;
    error: unknown;
  }>({ items: [], next: null, loading: options.enabled !== false, error: undefined });
  const fetchRef = useRef(fetchPage);
  fetchRef.current = fetchPage;
  const generation = useRef(0);
  const nextRef = useRef<string | null>(null);
  nextRef.current = state.next;
  const enabled = options.enabled !== false;

  const first = useCallback(async () => {
    const mine = ++generation.current;
    setState((s) => ({ ...s, loading: true }));
    try {
      const page = await fetchRef.current(undefined, new AbortController().signal);
      if (mine === generation.current) {
        setState({ items: page.items, next: page.nextCursor, loading: false, error: undefined });
      }
    } catch (error) {
      if (mine === generation.current) setState((s) => ({ ...s, loading: false, error }));
    }
  }, []);

  useEffect(() => {
    if (enabled) void first();
  }, [enabled, first, ...deps]);

  const loadMore = useCallback(async () => {
    const mine = generation.current;
    const cursor = nextRef.current;
    if (!cursor) return;
    setState((s) => ({ ...s, loading: true }));
    try {
      const page = await fetchRef.current(cursor, new AbortController().signal);
      if (mine === generation.current) {
        setState((s) => ({
          items: [...s.items, ...page.items],
          next: page.nextCursor,
          loading: false,
          error: undefined,
        }));
      }
    } catch (error) {
      if (mine === generation.current) setState((s) => ({ ...s, loading: false, error }));
    }
  }, []);

  return {
    items: state.items,
    loading: state.loading,
    error: state.error,
    hasMore: state.next !== null,
    loadMore,
    reload: first,
  };
}
