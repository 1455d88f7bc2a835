// One event with all its markets; prices refresh every few seconds.
import { useEffect } from 'react';
import { ApiError } from '../../api/client.ts';
import { useI18n } from '../../lib/i18n.tsx';
import { href } from '../../lib/router.ts';
import { useAuth } from '../../ui/auth.tsx';
import { useLoader } from '../../ui/hooks.ts';
import { PageHeading } from '../../ui/page.tsx';
import { useOddsFormat } from '../odds-format.tsx';
import { useSlip } from '../slip/slip.tsx';
import { EventTime } from './event-card.tsx';
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
    { refreshMs: 10_000 },
  );
  useEffect(() => {
    if (event.data) dispatch({ type: 'prices', events: [event.data] });
  }, [event.data, dispatch]);

  if (!event.data) {
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
  const e = event.data;
  return (
    <div className="page">
      <nav aria-label={t('nav.breadcrumbs')} className="breadcrumbs">
        <a href={href('sport', e.sport.slug)}>{e.sport.name}</a>
        <span aria-hidden="true"> › </span>
        <a href={href('competition', e.competition.id)}>{e.competition.name}</a>
      </nav>
      <PageHeading>{e.name}</PageHeading>
      <EventTime event={e} />
      {e.markets.length === 0 ? <p className="muted">{t('event.noMarkets')}</p> : null}
      <div className="markets">
        {e.markets.map((market) => (
          <MarketBlock key={market.id} event={e} market={market} />
        ))}
      </div>
    </div>
  );
}
