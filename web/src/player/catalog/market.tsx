// One market with its selections: a named group of price buttons.
import type { Event, Market } from '../../api/types.ts';
import { type I18n, useI18n } from '../../lib/i18n.tsx';
import { PriceButton } from './price-button.tsx';

/** Why a market's prices cannot be taken now, or null if they can. */
export function closedReason(event: Event, market: Market, t: I18n['t']): string | null {
  if (market.status !== 'open') return t(`market.${market.status}`);
  // Live events take bets only on markets traded in play (after the in-play delay).
  if (event.status === 'live') return market.inPlay ? null : t('event.inPlay');
  if (event.status !== 'scheduled' || Date.parse(event.startsAt) <= Date.now()) {
    return t('event.started');
  }
  return null;
}

export function MarketBlock({ event, market }: { event: Event; market: Market }) {
  const { t } = useI18n();
  const reason = closedReason(event, market, t);
  const headingId = `market-${market.id}`;
  const wide = market.selections.length > 3;
  return (
    <fieldset className={`market${reason ? ' market-closed' : ''}`} aria-labelledby={headingId}>
      <legend id={headingId} className="market-name">
        {market.name}
        {reason ? <span className="badge">{reason}</span> : null}
      </legend>
      <div className={`prices${wide ? ' prices-wide' : ''}`}>
        {market.selections.map((selection) => (
          <PriceButton
            key={selection.id}
            event={event}
            market={market}
            selection={selection}
            disabled={reason !== null}
          />
        ))}
      </div>
    </fieldset>
  );
}
