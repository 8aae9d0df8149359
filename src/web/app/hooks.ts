import { useCallback, useEffect, useRef, useState } from 'preact/hooks';

export interface Async<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  reload: () => void;
}

/** Runs `load` when `deps` change; stale answers from earlier runs are dropped. */
export function useAsync<T>(load: () => Promise<T>, deps: readonly unknown[]): Async<T> {
  const [state, setState] = useState<{ data?: T; error?: unknown; loading: boolean }>({ loading: true });
  const [tick, setTick] = useState(0);
  const run = useRef(0);
  useEffect(() => {
    const id = ++run.current;
    setState((s) => ({ ...s, loading: true }));
    load().then(
      (data) => id === run.current && setState({ data, loading: false }),
      (error: unknown) => id === run.current && setState({ error, loading: false }),
    );
  }, [...deps, tick]);
  const reload = useCallback(() => setTick((n) => n + 1), []);
  return { data: state.data, error: state.error, loading: state.loading, reload };
}

/** An object URL; null while loading or with nothing to load; `{ failed: true }` when the load failed. */
export type BlobUrl = string | null | { failed: true };

/**
 * An object URL for a blob fetched with the API key, for the resource named `key` (null: nothing to
 * load). A URL made for an earlier key is never returned, so a changed source shows as loading.
 */
export function useBlobUrl(key: string | null, load: () => Promise<Blob>): BlobUrl {
  const [state, setState] = useState<{ key: string | null; url: BlobUrl }>({ key: null, url: null });
  useEffect(() => {
    if (key === null) return;
    let live = true;
    let made: string | null = null;
    load().then(
      (blob) => {
        if (!live) return;
        made = URL.createObjectURL(blob);
        setState({ key, url: made });
      },
      () => live && setState({ key, url: { failed: true } }),
    );
    return () => {
      live = false;
      if (made) URL.revokeObjectURL(made);
    };
  }, [key]);
  return state.key === key ? state.url : null;
}

/** Calls `fn` every `ms` while `active`. */
export function useInterval(fn: () => void, ms: number, active: boolean): void {
  const saved = useRef(fn);
  saved.current = fn;
  useEffect(() => {
    if (!active) return;
    const id = setInterval(() => saved.current(), ms);
    return () => clearInterval(id);
  }, [ms, active]);
}

/**
 * A window keydown listener bound once that always runs the latest `fn`: the ref is updated during
 * render, so a key pressed right after new data is painted never reaches a handler holding old data.
 */
export function useKeydown(fn: (e: KeyboardEvent) => void): void {
  const saved = useRef(fn);
  saved.current = fn;
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => saved.current(e);
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
}

/** True when the key event came from a text field, where letters must not trigger shortcuts. */
export function isTyping(e: KeyboardEvent): boolean {
  const el = e.target as HTMLElement | null;
  if (!el) return false;
  const tag = el.tagName;
  return tag === 'INPUT' || tag === 'TEXTAREA' || tag === 'SELECT' || el.isContentEditable;
}
