// Upcoming and live events, soonest first, grouped by competition; filtered by a sport or a
// competition from the navigation. Prices, market states and live scores arrive over the
// WebSocket (each sport's topic); the list is also re-read in the background.
import { useEffect, useMemo, useState } from 'react';
import type { Event } from '../../api/types.ts';
import { useI18n } from '../../lib/i18n.tsx';
import { useAuth } from '../../ui/auth.tsx';
import { useCursorList, useLoader } from '../../ui/hooks.ts';
import { PageHeading } from '../../ui/page.tsx';
import { useTopics } from '../../ui/realtime.tsx';
import { useOddsFormat } from '../odds-format.tsx';
import { useSlip } from '../slip/slip.tsx';
import { useCatalog } from './catalog-data.tsx';
import { EventCard } from './event-card.tsx';
import { applyMessage, emptyOverlay, withLive } from './live.ts';
import { type CatalogFilter, SportsNav } from './sports-nav.tsx';

const PAGE = 20;
const REFRESH_MS = 15_000;

export function HomePage({ filter }: { filter: CatalogFilter }) {
  const i18n = useI18n();
  const { t } = i18n;
  const { client } = useAuth();
  const { sports } = useCatalog();
  const { dispatch } = useSlip();
  const { format } = useOddsFormat();
  const query = { sport: filter.sport, competitionId: filter.competitionId, oddsFormat: format };

  const list = useCursorList(
    (cursor, signal) =>
      client.call('GET /api/v1/events', { query: { ...query, limit: PAGE, cursor }, signal }),
    [client, filter.sport, filter.competitionId, format],
  );
  // Fresh prices for what is on screen (the first 100 events), merged into the pages read.
  const fresh = useLoader(
    (signal) =>
      client.call('GET /api/v1/events', {
        query: { ...query, limit: Math.min(100, Math.max(PAGE, list.items.length)) },
        signal,
      }),
    [client, filter.sport, filter.competitionId, format],
    { refreshMs: REFRESH_MS, enabled: list.items.length > 0 },
  );
  const [overlay, setOverlay] = useState(emptyOverlay);
  const sportTopics = useMemo(
    () => [...new Set(list.items.map((e) => `sport:${e.sport.id}`))].slice(0, 10),
    [list.items],
  );
  useTopics(sportTopics, (message) => setOverlay((o) => applyMessage(o, message)));
  const events = useMemo(() => {
    const latest = new Map((fresh.data?.items ?? []).map((e) => [e.id, e]));
    return list.items.map((e) => withLive(latest.get(e.id) ?? e, overlay, format));
  }, [list.items, fresh.data, overlay, format]);

  useEffect(() => {
    if (events.length > 0) dispatch({ type: 'prices', events });
  }, [events, dispatch]);

  const groups = useMemo(() => {
    const byCompetition = new Map<string, { title: string; events: Event[] }>();
    for (const event of events) {
      const key = event.competition.id;
      let group = byCompetition.get(key);
      if (!group) {
        group = { title: `${event.sport.name} · ${event.competition.name}`, events: [] };
        byCompetition.set(key, group);
      }
      group.events.push(event);
    }
    return [...byCompetition.entries()];
  }, [events]);

  const sport = sports?.find((s) => s.slug === filter.sport);
  const competition = sports
    ?.flatMap((s) => s.competitions.map((c) => ({ ...c, sport: s.name })))
    .find((c) => c.id === filter.competitionId);
  const title = competition
    ? competition.name
    : sport
      ? t('home.sportTitle', { sport: sport.name })
      : t('home.title');

  return (
    <div className="page">
      <PageHeading>{title}</PageHeading>
      <SportsNav filter={filter} />
      {list.loading && list.items.length === 0 ? (
        <p className="muted" role="status">
          {t('common.loading')}
        </p>
      ) : null}
      {list.error && list.items.length === 0 ? (
        <p className="callout callout-error">{t('home.failed')}</p>
      ) : null}
      {!list.loading && !list.error && list.items.length === 0 ? (
        <p className="muted">{t('home.empty')}</p>
      ) : null}
      {groups.map(([id, group]) => (
        <section key={id} className="competition" aria-labelledby={`competition-${id}`}>
          <h2 id={`competition-${id}`} className="competition-title">
            {group.title}
          </h2>
          {group.events.map((event) => (
            <EventCard key={event.id} event={event} />
          ))}
        </section>
      ))}
      {list.hasMore ? (
        <button
          type="button"
          className="secondary more"
          onClick={() => void list.loadMore()}
          disabled={list.loading}
          aria-busy={list.loading || undefined}
        >
          {t('home.more')}
        </button>
      ) : null}
    </div>
  );
}
