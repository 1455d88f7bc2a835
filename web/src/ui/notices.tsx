// One place for messages to the person at the screen: successes and information are read
// out politely, errors assertively (two live regions that are always in the page, so that
// screen readers announce what appears in them). Errors stay until dismissed.
import {
  createContext,
  type ReactNode,
  useCallback,
  useContext,
  useEffect,
  useRef,
  useState,
} from 'react';
import { describeError } from '../api/problems.ts';
import { useI18n } from '../lib/i18n.tsx';

export type NoticeKind = 'info' | 'success' | 'error';
type Notify = (text: string, kind?: NoticeKind) => void;

const NoticeContext = createContext<Notify>(() => {});

export function NoticeProvider({ children }: { children: ReactNode }) {
  const { t } = useI18n();
  const [notice, setNotice] = useState<{ text: string; kind: NoticeKind; id: number } | null>(null);
  const timer = useRef<number | undefined>(undefined);
  const counter = useRef(0);
  const notify = useCallback<Notify>((text, kind = 'info') => {
    window.clearTimeout(timer.current);
    counter.current += 1;
    setNotice({ text, kind, id: counter.current });
    if (kind !== 'error') timer.current = window.setTimeout(() => setNotice(null), 12_000);
  }, []);
  useEffect(() => () => window.clearTimeout(timer.current), []);
  const dismiss = () => {
    window.clearTimeout(timer.current);
    setNotice(null);
  };
  const error = notice?.kind === 'error';
  return (
    <NoticeContext.Provider value={notify}>
      {children}
      <div className={`notice-bar${notice ? ` notice-${notice.kind}` : ''}`} data-testid="notice">
        <div className="notice-text" role="status" aria-live="polite" aria-atomic="true">
          {notice && !error ? notice.text : ''}
        </div>
        <div className="notice-text" role="alert" aria-live="assertive" aria-atomic="true">
          {notice && error ? notice.text : ''}
        </div>
        {notice ? (
          <button type="button" className="notice-dismiss" onClick={dismiss}>
            <span aria-hidden="true">×</span>
            <span className="visually-hidden">{t('notice.dismiss')}</span>
          </button>
        ) : null}
      </div>
    </NoticeContext.Provider>
  );
}

export function useNotify(): Notify {
  return useContext(NoticeContext);
}

/** Reports a failed call as a clear message (problem codes translated). */
export function useReport(): (error: unknown, currency?: string) => void {
  const notify = useNotify();
  const i18n = useI18n();
  return useCallback(
    (error: unknown, currency?: string) => {
      if (error instanceof DOMException && error.name === 'AbortError') return;
      notify(describeError(error, i18n, currency), 'error');
    },
    [notify, i18n],
  );
}
