import { formatPrice } from '../../platform/money.ts';
import type { BetKind } from './systems.ts';

export type BetStatus = 'pending' | 'open' | 'won' | 'lost' | 'void' | 'cashed_out' | 'rejected';
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
  /** The leg was struck while its event was live. */
  inPlay: boolean;
}

export interface BetView {
  id: string;
  kind: BetKind;
  /** A system bet's name ("yankee") or "n/k" ("2/5"); null for other kinds. */
  system: string | null;
  eachWay: boolean;
  lines: number;
  stakePerLine: string;
  status: BetStatus;
  currency: string;
  /** The whole stake: stake per line × lines. */
  stake: string;
  /** The combined price of a single, multiple or bet builder (win part); null for system bets. */
  price: string | null;
  /** What the bet pays if every leg wins (of the stake not cashed out). */
  potentialPayout: string;
  /** Everything the bet returned (cash outs included); null while it is open or pending. */
  payout: string | null;
  /** What was cashed out so far: the part of the stake and what it paid. */
  cashOut: { stake: string; value: string } | null;
  /** Auto cash out: the value at which the bet cashes out by itself. */
  autoCashOut: string | null;
  acceptPriceChanges: PriceChangePolicy;
  placedAt: string;
  /** A pending in-play bet is checked again at this time. */
  acceptAfter: string | null;
  settledAt: string | null;
  /** Why the bet was rejected or voided. */
  reason: string | null;
  legs: LegView[];
}

export interface BetRow {
  id: string;
  kind: BetKind;
  system: string | null;
  each_way: boolean;
  lines: number;
  stake_per_line: bigint;
  status: BetStatus;
  currency: string;
  stake: bigint;
  potential_payout: bigint;
  payout: bigint | null;
  builder_price: number | null;
  cashed_out_stake: bigint;
  cashed_out_value: bigint;
  auto_cash_out_value: bigint | null;
  accept_price_changes: PriceChangePolicy;
  placed_at: Date;
  accept_after: Date | null;
  settled_at: Date | null;
  status_reason: string | null;
}

export const BET_COLUMNS = `id, kind, system, each_way, lines, stake_per_line, status, currency, stake,
  potential_payout, payout, builder_price, cashed_out_stake, cashed_out_value, auto_cash_out_value,
  accept_price_changes, placed_at, accept_after, settled_at, status_reason`;

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
  in_play: boolean;
}

/** The combined price of a bet's win part, rounded down to a thousandth. */
export function combinedPrice(
  kind: BetKind,
  prices: readonly number[],
  builderPrice: number | null,
) {
  if (kind === 'system') return null;
  if (kind === 'builder' && builderPrice) return builderPrice;
  let num = 1n;
  let den = 1n;
  for (const p of prices) {
    num *= BigInt(p);
    den *= 1000n;
  }
  return Number((num * 1000n) / den);
}

export const presentBet = (bet: BetRow, legs: LegRow[]): BetView => {
  const sorted = [...legs].sort((a, b) => a.leg_no - b.leg_no);
  const price = combinedPrice(
    bet.kind,
    sorted.map((l) => l.price),
    bet.builder_price,
  );
  const returned =
    bet.payout === null
      ? bet.status === 'open' || bet.status === 'pending'
        ? null
        : bet.cashed_out_value
      : bet.payout + bet.cashed_out_value;
  return {
    id: bet.id,
    kind: bet.kind,
    system: bet.system,
    eachWay: bet.each_way,
    lines: bet.lines,
    stakePerLine: bet.stake_per_line.toString(),
    status: bet.status,
    currency: bet.currency,
    stake: bet.stake.toString(),
    price: price === null ? null : formatPrice(price),
    // What is still to play for: a cash out takes its part of the stake out of it.
    potentialPayout: (
      (bet.potential_payout * (bet.stake - bet.cashed_out_stake)) /
      bet.stake
    ).toString(),
    payout: returned === null ? null : returned.toString(),
    cashOut:
      bet.cashed_out_stake > 0n
        ? { stake: bet.cashed_out_stake.toString(), value: bet.cashed_out_value.toString() }
        : null,
    autoCashOut: bet.auto_cash_out_value === null ? null : bet.auto_cash_out_value.toString(),
    acceptPriceChanges: bet.accept_price_changes,
    placedAt: bet.placed_at.toISOString(),
    acceptAfter: bet.accept_after ? bet.accept_after.toISOString() : null,
    settledAt: bet.settled_at ? bet.settled_at.toISOString() : null,
    reason: bet.status_reason,
    legs: sorted.map((l) => ({
      selectionId: l.selection_id,
      marketId: l.market_id,
      eventId: l.event_id,
      eventName: l.event_name,
      marketName: l.market_name,
      selectionName: l.selection_name,
      price: formatPrice(l.price),
      requestedPrice: formatPrice(l.requested_price),
      inPlay: l.in_play,
    })),
  };
};
