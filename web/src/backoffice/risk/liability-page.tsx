// Liability by event: live and upcoming events to choose from, and the chosen event's
// liability per market and selection.
import { describeError } from '../../api/problems.ts';
import { useI18n } from '../../lib/i18n.tsx';
import { useAuth } from '../../ui/auth.tsx';
import { useLoader } from '../../ui/hooks.ts';
import { PageHeading } from '../../ui/page.tsx';
import { LiabilityView } from './liability.tsx';

export function LiabilityPage({ eventId }: { eventId: string }) {
  const i18n = useI18n();
  const { client } = useAuth();
  const events = useLoader(
    (signal) => client.call('GET /api/v1/events', { query: { limit: 50 }, signal }),
    [client],
    { refreshMs: 30_000 },
  );
  return (
    <div className="page stack">
      <PageHeading>Liability</PageHeading>
      <div className="layout-split">
        <nav aria-label="Events" className="panel">
          {events.error ? (
            <p className="callout callout-error">{describeError(events.error, i18n)}</p>
          ) : null}
          {events.loading && !events.data ? <p className="muted">Loading…</p> : null}
          {events.data && events.data.items.length === 0 ? (
            <p className="muted">No live or upcoming events.</p>
          ) : null}
          <ul className="plain-list">
            {events.data?.items.map((e) => (
              <li key={e.id}>
                <a
                  href={`#/liability/${e.id}`}
                  aria-current={e.id === eventId ? 'page' : undefined}
                >
                  {e.name}
                </a>{' '}
                {e.status === 'live' ? <span className="badge badge-live">live</span> : null}
                <br />
                <span className="muted small">
                  {e.competition.name} · {i18n.dateTime(e.startsAt)}
                </span>
              </li>
            ))}
          </ul>
        </nav>
        <div>
          {eventId ? (
            <LiabilityView key={eventId} eventId={eventId} />
          ) : (
            <p className="muted">Choose an event.</p>
          )}
        </div>
      </div>
    </div>
  );
}
