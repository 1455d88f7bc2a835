// One event with all its markets. Prices, market states, the score and the clock arrive over
// the WebSocket (the event's topic) and flash where they change; the page is also re-read in
// the background. A live event says that its bets wait the in-play delay.
import { useEffect, useMemo, useState } from 'react';
import { ApiError } from '../../api/client.ts';
import { useI18n } from '../../lib/i18n.tsx';
import { href } from '../../lib/router.ts';
import { useAuth } from '../../ui/auth.tsx';
import { useLoader } from '../../ui/hooks.ts';
import { PageHeading } from '../../ui/page.tsx';
import { useConnection, useTopic } from '../../ui/realtime.tsx';
import { useOddsFormat } from '../odds-format.tsx';
import { useSlip } from '../slip/slip.tsx';
import { EventTime } from './event-card.tsx';
import { applyMessage, emptyOverlay, type LiveEvent, withLive } from './live.ts';
import { MarketBlock } from './market.tsx';

export function EventPage({ id }: { id: string }) {
  const { t } = useI18n();
  const { client } = useAuth();
  const { dispatch } = useSlip();
  const { format } = useOddsFormat();
  const event = useLoader(
    (signal) =>
      client.call('GET /api/v1/events/{id}', {
        path: { id },
        query: { oddsFormat: format },
        signal,
      }),
    [client, id, format],
    { refreshMs: 30_000 },
  );
  const [overlay, setOverlay] = useState(emptyOverlay);
  useTopic(`event:${id}`, (message) => setOverlay((o) => applyMessage(o, message)));
  const connection = useConnection();
  const live = useMemo(
    () => (event.data ? withLive(event.data, overlay, format) : undefined),
    [event.data, overlay, format],
  );
  useEffect(() => {
    if (live) dispatch({ type: 'prices', events: [live] });
  }, [live, dispatch]);

  if (!live) {
    const missing = event.error instanceof ApiError && event.error.status === 404;
    return (
      <div className="page">
        <PageHeading>{missing ? t('event.notFound') : t('event.title')}</PageHeading>
        {event.loading ? (
          <p className="muted" role="status">
            {t('common.loading')}
          </p>
        ) : (
          <p className="callout callout-error">
            {missing ? t('event.notFoundText') : t('event.failed')}
          </p>
        )}
        <p>
          <a href="#/">{t('nav.backToEvents')}</a>
        </p>
      </div>
    );
  }
  const e = live;
  const state = overlay.events.get(e.id);
  return (
    <div className="page">
      <nav aria-label={t('nav.breadcrumbs')} className="breadcrumbs">
        <a href={href('sport', e.sport.slug)}>{e.sport.name}</a>
        <span aria-hidden="true"> › </span>
        <a href={href('competition', e.competition.id)}>{e.competition.name}</a>
      </nav>
      <PageHeading>{e.name}</PageHeading>
      <EventTime event={e} />
      {e.status === 'live' ? <Scoreboard event={e} state={state} /> : null}
      {e.status === 'live' ? (
        <p className="callout callout-warn" data-testid="in-play-notice">
          {t('event.inPlayNotice')}
        </p>
      ) : null}
      <p className="connection" aria-live="polite" data-testid="live-connection">
        {connection === 'open' ? t('live.on') : t('live.off')}
      </p>
      {e.markets.length === 0 ? <p className="muted">{t('event.noMarkets')}</p> : null}
      <div className="markets">
        {e.markets.map((market) => (
          <MarketBlock key={market.id} event={e} market={market} />
        ))}
      </div>
    </div>
  );
}

function Scoreboard({
  event,
  state,
}: {
  event: { home: string | null; away: string | null };
  state: LiveEvent | undefined;
}) {
  const { t } = useI18n();
  const score = state?.score;
  const clock = state?.clock;
  return (
    <section className="scoreboard" aria-label={t('event.scoreboard')} data-testid="scoreboard">
      <span>
        <span className="live-dot" aria-hidden="true" />
        {event.home ?? ''}
      </span>
      <output className="scoreboard-score" aria-live="polite">
        {score ? `${score.home} – ${score.away}` : '– –'}
      </output>
      <span>{event.away ?? ''}</span>
      <span className="scoreboard-clock">
        {clock
          ? `${clock.period}${clock.minute !== null ? ` ${clock.minute}'` : ''}${clock.running ? '' : ` · ${t('event.clockStopped')}`}`
          : ''}
      </span>
      {score?.detail ? <span className="muted">{score.detail}</span> : null}
    </section>
  );
}
