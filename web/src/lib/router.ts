// Hash routing: every screen has an address like #/event/<id> or #/reset-password?token=…
// (the links in iBet's mail use that form), so the server serves one index.html per app and
// a token in a link never reaches a server log.
import { useEffect, useState } from 'react';

export interface Route {
  /** "/event/3f…" */
  path: string;
  /** ["event", "3f…"] */
  segments: string[];
  query: URLSearchParams;
}

export function parseHash(hash: string): Route {
  const text = hash.replace(/^#/, '') || '/';
  const [rawPath = '/', rawQuery = ''] = text.split('?', 2);
  const path = rawPath.startsWith('/') ? rawPath : `/${rawPath}`;
  const segments = path
    .split('/')
    .filter(Boolean)
    .map((s) => {
      try {
        return decodeURIComponent(s);
      } catch {
        return s;
      }
    });
  return { path, segments, query: new URLSearchParams(rawQuery) };
}

/** The current route; re-renders on every hash change. */
export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseHash(window.location.hash));
  useEffect(() => {
    const changed = () => setRoute(parseHash(window.location.hash));
    window.addEventListener('hashchange', changed);
    return () => window.removeEventListener('hashchange', changed);
  }, []);
  return route;
}

/** "#/event/<id>" for an href. Segments are percent-encoded. */
export function href(...segments: string[]): string {
  return `#/${segments.map(encodeURIComponent).join('/')}`;
}

export function navigate(to: string): void {
  const target = to.startsWith('#') ? to : `#${to}`;
  if (window.location.hash === target) return;
  window.location.hash = target;
}

/** Drops a token from the address once read, so it is not left in history or screenshots. */
export function replaceHash(to: string): void {
  window.history.replaceState(null, '', to.startsWith('#') ? to : `#${to}`);
}
