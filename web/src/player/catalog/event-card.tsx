// An event in a list: when, who, and its first market's prices; the rest on its own page.
import type { Event } from '../../api/types.ts';
import { useI18n } from '../../lib/i18n.tsx';
import { href } from '../../lib/router.ts';
import { MarketBlock } from './market.tsx';

export function EventTime({ event }: { event: Event }) {
  const i18n = useI18n();
  return (
    <p className="event-when">
      {event.status === 'live' ? (
        <span className="badge badge-live">{i18n.t('event.live')}</span>
      ) : null}
      <time dateTime={event.startsAt}>{i18n.dateTime(event.startsAt)}</time>
    </p>
  );
}

export function EventCard({ event }: { event: Event }) {
  const { t } = useI18n();
  const [main, ...others] = event.markets;
  return (
    <article className="event" aria-labelledby={`event-${event.id}`}>
      <header className="event-header">
        <h3 id={`event-${event.id}`} className="event-name">
          <a href={href('event', event.id)}>{event.name}</a>
        </h3>
        <EventTime event={event} />
      </header>
      {main ? (
        <MarketBlock event={event} market={main} />
      ) : (
        <p className="muted">{t('event.noMarkets')}</p>
      )}
      {others.length > 0 ? (
        <a className="more-markets" href={href('event', event.id)}>
          {t('event.moreMarkets', { count: others.length })}
        </a>
      ) : null}
    </article>
  );
}
