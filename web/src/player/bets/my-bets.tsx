// The player's bets, open or settled, newest first, page by page. Open bets are re-read in
// the background so that a settlement shows without a reload.
import { useEffect } from 'react';
import type { Bet } from '../../api/types.ts';
import { useI18n } from '../../lib/i18n.tsx';
import { href } from '../../lib/router.ts';
import { useAuth } from '../../ui/auth.tsx';
import { useCursorList } from '../../ui/hooks.ts';
import { PageHeading } from '../../ui/page.tsx';
import { useAccountData } from '../account/account-data.tsx';
import { useOddsFormat } from '../odds-format.tsx';
import { betTitle, statusLabel } from './bet-title.ts';
import { AutoCashOut, CashOut } from './cash-out.tsx';

export function BetCard({ bet, onChanged }: { bet: Bet; onChanged?: () => void }) {
  const i18n = useI18n();
  const { t } = i18n;
  const money = (minor: string) => i18n.money(minor, bet.currency);
  return (
    <li className={`bet bet-${bet.status}`} data-testid="bet" data-bet-id={bet.id}>
      <div className="bet-head">
        <strong>{betTitle(bet, t)}</strong>
        <span className={`badge status-${bet.status}`}>{statusLabel(bet.status, t)}</span>
        <time className="muted small" dateTime={bet.placedAt}>
          {i18n.dateTime(bet.placedAt)}
        </time>
      </div>
      {bet.status === 'pending' && bet.acceptAfter ? (
        <p className="hint">{t('bets.pendingHint')}</p>
      ) : null}
      {bet.status === 'rejected' && bet.reason ? (
        <p className="field-error">{t('bets.rejectedReason', { reason: bet.reason })}</p>
      ) : null}
      <ul className="bet-legs">
        {bet.legs.map((leg) => (
          <li key={leg.selectionId}>
            <strong>{leg.selectionName}</strong> @ <span className="odds">{leg.price}</span>
            {leg.requestedPrice !== leg.price ? (
              <span className="muted"> {t('bets.asked', { price: leg.requestedPrice })}</span>
            ) : null}
            <br />
            <a className="muted small" href={href('event', leg.eventId)}>
              {leg.marketName} · {leg.eventName}
            </a>
          </li>
        ))}
      </ul>
      <dl className="bet-amounts">
        <div>
          <dt>{t('bets.stake')}</dt>
          <dd>{money(bet.stake)}</dd>
        </div>
        {bet.payout === null ? (
          <div>
            <dt>{t('bets.potentialPayout')}</dt>
            <dd>{money(bet.potentialPayout)}</dd>
          </div>
        ) : (
          <div>
            <dt>{t('bets.payout')}</dt>
            <dd className="payout-settled">{money(bet.payout)}</dd>
          </div>
        )}
        {bet.cashOut ? (
          <div>
            <dt>{t('bets.cashedOut')}</dt>
            <dd>{money(bet.cashOut.value)}</dd>
          </div>
        ) : null}
        {bet.settledAt ? (
          <div>
            <dt>{t('bets.settled')}</dt>
            <dd>
              <time dateTime={bet.settledAt}>{i18n.dateTime(bet.settledAt)}</time>
            </dd>
          </div>
        ) : null}
      </dl>
      {bet.status === 'open' && onChanged ? <CashOut bet={bet} onCashedOut={onChanged} /> : null}
      {bet.status === 'open' && onChanged ? <AutoCashOut bet={bet} onSaved={onChanged} /> : null}
    </li>
  );
}

export function MyBetsPage({ status }: { status: 'open' | 'settled' }) {
  const { t } = useI18n();
  const { client } = useAuth();
  const { format } = useOddsFormat();
  const { refresh, betVersion } = useAccountData();
  const list = useCursorList(
    (cursor, signal) =>
      client.call('GET /api/v1/bets', {
        query: { status, limit: 20, cursor, oddsFormat: format },
        signal,
      }),
    [client, status, format],
  );
  // Settlements move bets from open to settled: re-read the first page when the WebSocket
  // says a bet changed, and now and then.
  const { reload } = list;
  useEffect(() => {
    if (betVersion > 0) void reload();
  }, [betVersion, reload]);
  useEffect(() => {
    const timer = window.setInterval(() => {
      if (!document.hidden) void reload();
    }, 15_000);
    return () => window.clearInterval(timer);
  }, [reload]);

  return (
    <div className="page">
      <PageHeading>{t('bets.title')}</PageHeading>
      <nav className="tabs" aria-label={t('bets.filter')}>
        <a href="#/bets" aria-current={status === 'open' ? 'page' : undefined}>
          {t('bets.open')}
        </a>
        <a href="#/bets/settled" aria-current={status === 'settled' ? 'page' : undefined}>
          {t('bets.settledTab')}
        </a>
      </nav>
      {list.loading && list.items.length === 0 ? (
        <p className="muted" role="status">
          {t('common.loading')}
        </p>
      ) : null}
      {!list.loading && list.items.length === 0 ? (
        <p className="muted">{status === 'open' ? t('bets.noneOpen') : t('bets.noneSettled')}</p>
      ) : null}
      <ol className="bets">
        {list.items.map((bet) => (
          <BetCard
            key={bet.id}
            bet={bet}
            onChanged={() => {
              void list.reload();
              void refresh();
            }}
          />
        ))}
      </ol>
      {list.hasMore ? (
        <button type="button" className="secondary more" onClick={() => void list.loadMore()}>
          {t('bets.more')}
        </button>
      ) : null}
    </div>
  );
}
