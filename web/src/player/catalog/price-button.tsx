// A price to add to the slip. Its box never changes size: a changed price flashes (colour
// and an arrow in a reserved slot) so the page does not jump while someone aims at it.
import { useEffect, useRef, useState } from 'react';
import type { Event, Market, Selection } from '../../api/types.ts';
import { useI18n } from '../../lib/i18n.tsx';
import { parseAnyPrice, samePrice } from '../../lib/odds.ts';
import { useSlip } from '../slip/slip.tsx';

type Move = 'up' | 'down' | null;

/** Which way a value last moved, for two seconds after it moved. */
export function usePriceMove(price: string): Move {
  const previous = useRef(price);
  const [move, setMove] = useState<Move>(null);
  useEffect(() => {
    if (previous.current === price) return;
    const before = parseAnyPrice(previous.current);
    const now = parseAnyPrice(price);
    const renamed = samePrice(previous.current, price);
    previous.current = price;
    if (before === null || now === null || renamed) return;
    setMove(now > before ? 'up' : 'down');
    const timer = window.setTimeout(() => setMove(null), 2000);
    return () => window.clearTimeout(timer);
  }, [price]);
  return move;
}

export function PriceButton({
  event,
  market,
  selection,
  disabled,
}: {
  event: Event;
  market: Market;
  selection: Selection;
  disabled: boolean;
}) {
  const { t } = useI18n();
  const { state, dispatch } = useSlip();
  const move = usePriceMove(selection.price);
  const inSlip = state.legs.some((l) => l.selectionId === selection.id);
  return (
    <button
      type="button"
      className={`price${move ? ` price-${move}` : ''}`}
      aria-pressed={inSlip}
      disabled={disabled}
      data-selection-id={selection.id}
      onClick={() => dispatch({ type: 'toggle', event, market, selection })}
    >
      <span className="price-name">{selection.name}</span>
      <span className="price-odds">
        <span className="price-move" aria-hidden="true">
          {move === 'up' ? '▲' : move === 'down' ? '▼' : ''}
        </span>
        {selection.price}
        {move ? (
          <span className="visually-hidden">{move === 'up' ? t('price.up') : t('price.down')}</span>
        ) : null}
      </span>
    </button>
  );
}
