// The account's sign-ins (this browser and others) with a way to end the others.
import { useI18n } from '../lib/i18n.tsx';
import { useApi } from './auth.tsx';
import { useBusy, useLoader } from './hooks.ts';
import { useNotify, useReport } from './notices.tsx';

/** "Chrome on Linux" from a user agent, or the raw text when it is not recognised. */
export function describeAgent(agent: string | null): string {
  if (!agent) return '–';
  const browser = /Edg\//.test(agent)
    ? 'Edge'
    : /Firefox\//.test(agent)
      ? 'Firefox'
      : /Chrom(e|ium)\//.test(agent)
        ? 'Chrome'
        : /Safari\//.test(agent)
          ? 'Safari'
          : null;
  const system = /Android/.test(agent)
    ? 'Android'
    : /iPhone|iPad/.test(agent)
      ? 'iOS'
      : /Windows/.test(agent)
        ? 'Windows'
        : /Mac OS X/.test(agent)
          ? 'macOS'
          : /Linux/.test(agent)
            ? 'Linux'
            : null;
  if (browser && system) return `${browser} · ${system}`;
  return agent.length > 60 ? `${agent.slice(0, 60)}…` : agent;
}

export function SessionsList() {
  const client = useApi();
  const i18n = useI18n();
  const { t } = i18n;
  const report = useReport();
  const notify = useNotify();
  const [busy, run] = useBusy();
  const sessions = useLoader(() => client.call('GET /api/v1/sessions'), [client]);

  const end = (id: string) =>
    run(async () => {
      try {
        await client.call('DELETE /api/v1/sessions/{id}', { path: { id } });
        notify(t('sessions.ended'), 'success');
        await sessions.reload();
      } catch (error) {
        report(error);
      }
    });

  if (sessions.loading && !sessions.data) return <p className="muted">{t('common.loading')}</p>;
  if (!sessions.data) return <p className="muted">{t('sessions.failed')}</p>;
  return (
    <ul className="sessions" aria-label={t('sessions.heading')}>
      {sessions.data.items.map((s) => (
        <li key={s.id} className="session-row">
          <div>
            <strong>{describeAgent(s.userAgent)}</strong>
            {s.current ? <span className="badge badge-ok">{t('sessions.current')}</span> : null}
            <p className="muted small">
              {t('sessions.since', { when: i18n.dateTime(s.createdAt) })} ·{' '}
              {t('sessions.lastSeen', { when: i18n.dateTime(s.lastSeenAt) })}
              {s.ip ? ` · ${s.ip}` : ''}
            </p>
          </div>
          {s.current ? null : (
            <button type="button" className="secondary" disabled={busy} onClick={() => end(s.id)}>
              {t('sessions.end')}
            </button>
          )}
        </li>
      ))}
    </ul>
  );
}
