import { formatPrice } from '../../platform/money.ts';

export type BetStatus = 'open' | 'won' | 'lost' | 'void';
export type PriceChangePolicy = 'none' | 'higher' | 'any';

export interface LegView {
  selectionId: string;
  marketId: string;
  eventId: string;
  eventName: string;
  marketName: string;
  selectionName: string;
  price: string;
  requestedPrice: string;
}

export interface BetView {
  id: string;
  kind: 'single' | 'multiple';
  status: BetStatus;
  currency: string;
  stake: string;
  potentialPayout: string;
  payout: string | null;
  acceptPriceChanges: PriceChangePolicy;
  placedAt: string;
  settledAt: string | null;
  legs: LegView[];
}

export interface BetRow {
  id: string;
  kind: BetView['kind'];
  status: BetStatus;
  currency: string;
  stake: bigint;
  potential_payout: bigint;
  payout: bigint | null;
  accept_price_changes: PriceChangePolicy;
  placed_at: Date;
  settled_at: Date | null;
}

export interface LegRow {
  bet_id: string;
  leg_no: number;
  selection_id: string;
  market_id: string;
  event_id: string;
  event_name: string;
  market_name: string;
  selection_name: string;
  price: number;
  requested_price: number;
}

export const presentBet = (bet: BetRow, legs: LegRow[]): BetView => ({
  id: bet.id,
  kind: bet.kind,
  status: bet.status,
  currency: bet.currency,
  stake: bet.stake.toString(),
  potentialPayout: bet.potential_payout.toString(),
  payout: bet.payout === null ? null : bet.payout.toString(),
  acceptPriceChanges: bet.accept_price_changes,
  placedAt: bet.placed_at.toISOString(),
  settledAt: bet.settled_at ? bet.settled_at.toISOString() : null,
  legs: legs
    .sort((a, b) => a.leg_no - b.leg_no)
    .map((l) => ({
      selectionId: l.selection_id,
      marketId: l.market_id,
      eventId: l.event_id,
      eventName: l.event_name,
      marketName: l.market_name,
      selectionName: l.selection_name,
      price: formatPrice(l.price),
      requestedPrice: formatPrice(l.requested_price),
    })),
});
