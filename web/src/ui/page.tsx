// A screen's main heading. After a move to another screen it takes the focus, so keyboard and
// screen-reader users start at the new content (not on the first load: the page is new anyway).
import { type ReactNode, useEffect, useRef } from 'react';

let navigated = false;
if (typeof window !== 'undefined') {
  window.addEventListener('hashchange', () => {
    navigated = true;
  });
}

export function PageHeading({ children, className }: { children: ReactNode; className?: string }) {
  const ref = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    if (navigated) ref.current?.focus({ preventScroll: false });
  }, []);
  return (
    <h1 ref={ref} tabIndex={-1} className={className ?? 'page-title'}>
      {children}
    </h1>
  );
}
