// Cash out: a player settles an open bet early — all of it, or part of its stake — for what it
// is worth now. The value of each line is its stake × the factors of its decided legs × the
// price taken / the current price of each leg still to play (the fair value at today's
// prices), less a margin (IBET_CASH_OUT_MARGIN_BPS), rounded down. A quote holds for a few
// seconds (IBET_CASH_OUT_QUOTE_SECONDS); confirming it recomputes the value under the bet's
// lock and applies the player's policy to a changed value, like a price change of a bet.
// The money moves once, through the ledger (`bet:<id>:c<n>`), in the transaction that marks
// the bet: a cash out and a settlement of one bet both take its row lock, so one of them wins.
import { v7 as uuidv7 } from 'uuid';
import type { Db, Queryable, Tx } from '../../platform/db/db.ts';
import { emit } from '../../platform/events/outbox.ts';
import { type IdempotentCommand, type Outcome, runIdempotent } from '../../platform/idempotency.ts';
import { selectionOutcomes, selectionsForBetting } from '../catalog/index.ts';
import { assertCashable } from '../promotions/index.ts';
import { lockAccountsOf, post, systemAccount } from '../wallet/index.ts';
import {
  betNotCashable,
  betNotFound,
  cashOutQuoteExpired,
  cashOutQuoteNotFound,
  cashOutValueChanged,
} from './errors.ts';
import { adjustLiability } from './liability.ts';
import {
  exactReturn,
  floorOf,
  type LegResult,
  placeFactor,
  placePartFactor,
  priceFactor,
  type Ratio,
  times,
  winPartFactor,
} from './pricing.ts';
import { type BetForMoney, getBet, lockBets, readBets } from './repo.ts';
import { playerRisk } from './risk.ts';
import type { BetView, PriceChangePolicy } from './views.ts';

export interface CashOutDeps {
  db: Db;
  /** Basis points kept off the fair value. */
  marginBps: number;
  /** How long a quote may be confirmed. */
  quoteSeconds: number;
}

const VOID: LegResult = { outcome: 'void', deadHeat: null, place: 'void', placeDeadHeat: null };
const ratio = (num: bigint, den: bigint): Ratio => ({ num, den });
const divide = (a: Ratio, b: Ratio): Ratio => ({ num: a.num * b.den, den: a.den * b.num });

/**
 * The exact cash-out value of the bet's whole open stake, or a refusal. `gate`: read under
 * the markets' gate in that transaction (confirming); without it, a plain read (quoting).
 */
export async function cashOutWorth(
  q: Queryable,
  bet: BetForMoney,
  marginBps: number,
  gate?: Tx,
): Promise<Ratio> {
  if (bet.status !== 'open')
    throw betNotCashable(`the bet is ${bet.status}.`, { betStatus: bet.status });
  const risk = await playerRisk(gate ?? q, bet.playerId);
  if (risk.cashOutBlocked) throw betNotCashable('cash out is not offered on this account.');
  await assertCashable(gate ?? q, bet.id);
  const ids = bet.legs.map((l) => l.selectionId);
  const selections = new Map(
    (await selectionsForBetting(q, ids, gate)).map((s) => [s.selectionId, s]),
  );
  const results = await selectionOutcomes(gate ?? q, ids);
  const win: Ratio[] = [];
  const place: Ratio[] = [];
  let undecided = 0;
  for (const leg of bet.legs) {
    const result = results.get(leg.selectionId);
    const selection = selections.get(leg.selectionId);
    if (result) {
      const r: LegResult =
        result.effectiveAt && bet.placedAt.getTime() >= result.effectiveAt.getTime()
          ? VOID
          : result;
      win.push(winPartFactor(leg.price, r));
      if (leg.eachWay) place.push(placePartFactor(leg.price, leg.eachWay, r));
      continue;
    }
    if (selection?.marketStatus !== 'open')
      throw betNotCashable('a market of the bet is not open.', { marketId: leg.marketId });
    if (!selection.cashOutEnabled)
      throw betNotCashable('cash out is not offered on a market of the bet.', {
        marketId: leg.marketId,
      });
    if (selection.eventStatus === 'ended' || selection.eventStatus === 'cancelled')
      throw betNotCashable('an event of the bet is over.', { eventId: selection.eventId });
    undecided += 1;
    win.push(divide(priceFactor(leg.price), priceFactor(selection.price)));
    if (leg.eachWay)
      place.push(
        divide(placeFactor(leg.price, leg.eachWay), placeFactor(selection.price, leg.eachWay)),
      );
  }
  if (undecided === 0) throw betNotCashable('the bet is being settled.');
  const worth = times(
    times(
      exactReturn(bet.shape, win, bet.shape.eachWay ? place : undefined),
      ratio(bet.openStake, bet.stake),
    ),
    ratio(BigInt(10_000 - marginBps), 10_000n),
  );
  if (worth.num === 0n) throw betNotCashable('the bet has no cash-out value.');
  return worth;
}

/** The value of cashing out `part` of the open stake, rounded down. */
const partValue = (worth: Ratio, part: bigint, openStake: bigint) =>
  floorOf(times(worth, ratio(part, openStake)));

export interface CashOutQuote {
  quoteId: string;
  betId: string;
  /** The part of the stake this cashes out. */
  stake: string;
  value: string;
  /** The value of the whole open stake. */
  fullValue: string;
  expiresAt: string;
}

const checkPart = (bet: BetForMoney, part: bigint) => {
  if (part <= 0n || part > bet.openStake)
    throw betNotCashable('the part to cash out is more than the stake still open.', {
      openStake: bet.openStake.toString(),
    });
};

/** Quotes a cash out of the bet's whole open stake, or of `stake` of it. */
export async function quoteCashOut(
  deps: CashOutDeps,
  playerId: string,
  betId: string,
  stake?: bigint,
): Promise<CashOutQuote> {
  const [bet] = await readBets(deps.db, [betId]);
  if (!bet || bet.playerId !== playerId) throw betNotFound();
  const part = stake ?? bet.openStake;
  checkPart(bet, part);
  const worth = await cashOutWorth(deps.db, bet, deps.marginBps);
  const value = partValue(worth, part, bet.openStake);
  const [row] = await deps.db.query<{ id: string; expires_at: Date }>(
    `INSERT INTO betting.cash_out_quotes (id, bet_id, player_id, stake, value, expires_at)
     VALUES ($1, $2, $3, $4, $5, now() + make_interval(secs => $6)) RETURNING id, expires_at`,
    [uuidv7(), bet.id, playerId, part, value, deps.quoteSeconds],
  );
  return {
    quoteId: row!.id,
    betId: bet.id,
    stake: part.toString(),
    value: value.toString(),
    fullValue: floorOf(worth).toString(),
    expiresAt: row!.expires_at.toISOString(),
  };
}

/** Pays a cash out of `part` of a locked open bet for `value`. */
export async function payCashOut(
  tx: Tx,
  bet: BetForMoney,
  part: bigint,
  value: bigint,
  automatic: boolean,
): Promise<void> {
  const wallets = await lockAccountsOf(tx, [bet.playerId]);
  const wallet = wallets.get(bet.playerId);
  if (!wallet) throw new Error(`wallet of bet ${bet.id} not found`);
  const house = await systemAccount(tx, 'house', bet.currency);
  const open = bet.openStake - part;
  const full = open === 0n;
  const potential = (bet.potentialPayout * open) / bet.stake;
  const liability = full ? 0n : potential > open ? potential - open : 0n;
  const updated = await tx.query(
    `UPDATE betting.bets SET cashed_out_stake = cashed_out_stake + $2, cashed_out_value = cashed_out_value + $3,
       liability = $4,
       status = CASE WHEN $5 THEN 'cashed_out' ELSE status END,
       payout = CASE WHEN $5 THEN 0 END,
       settled_at = CASE WHEN $5 THEN now() END,
       auto_cash_out_value = CASE WHEN $5 THEN NULL ELSE auto_cash_out_value END
     WHERE id = $1 AND status = 'open' AND cashed_out_stake = $6
     RETURNING 1`,
    [bet.id, part, value, liability, full, bet.cashedOutStake],
  );
  if (updated.length !== 1) throw new Error(`bet ${bet.id} changed under its lock`);
  const [seq] = await tx.query<{ n: number }>(
    `INSERT INTO betting.cash_outs (bet_id, seq, player_id, stake, value, automatic)
     SELECT $1, COALESCE(max(seq), 0) + 1, $2, $3, $4, $5 FROM betting.cash_outs WHERE bet_id = $1
     RETURNING seq AS n`,
    [bet.id, bet.playerId, part, value, automatic],
  );
  const returned = value < part ? value : part;
  const base = { currency: bet.currency, reference: `bet:${bet.id}:c${seq!.n}` };
  await post(tx, [
    {
      ...base,
      debit: wallet.held.id,
      credit: wallet.cash.id,
      amount: returned,
      kind: 'bet_stake_return',
    },
    {
      ...base,
      debit: wallet.held.id,
      credit: house,
      amount: part - returned,
      kind: 'bet_stake_lost',
    },
    {
      ...base,
      debit: house,
      credit: wallet.cash.id,
      amount: value > part ? value - part : 0n,
      kind: 'bet_winnings',
    },
  ]);
  const keys = [
    ...[...new Set(bet.legs.map((l) => l.selectionId))].map((id) => ({
      scope: 'selection' as const,
      id,
    })),
    ...[...new Set(bet.legs.map((l) => l.marketId))].map((id) => ({
      scope: 'market' as const,
      id,
    })),
  ];
  await adjustLiability(tx, [{ playerId: bet.playerId, keys, delta: liability - bet.liability }]);
  await emit(tx, {
    type: 'bet.cashed_out',
    aggregateId: bet.id,
    payload: {
      betId: bet.id,
      playerId: bet.playerId,
      stake: part.toString(),
      value: value.toString(),
      full,
      automatic,
      currency: bet.currency,
    },
  });
}

export interface CashOutInput {
  playerId: string;
  betId: string;
  quoteId: string;
  /** What to do when the value moved since the quote: like a bet's price-change policy. */
  acceptValueChanges: PriceChangePolicy;
}

/** Confirms a quote: cashes out at the value now, if the player's policy accepts it. */
export function cashOut(
  deps: CashOutDeps,
  command: IdempotentCommand<CashOutInput>,
): Promise<Outcome<BetView>> {
  return runIdempotent(deps.db, 'betting.cash-out', command, async (tx, input) => {
    const [bet] = await lockBets(tx, [input.betId]);
    if (!bet || bet.playerId !== input.playerId) throw betNotFound();
    const [quote] = await tx.query<{ stake: bigint; value: bigint; expired: boolean }>(
      `SELECT stake, value, expires_at <= now() AS expired FROM betting.cash_out_quotes
       WHERE id = $1 AND bet_id = $2 AND player_id = $3`,
      [input.quoteId, bet.id, input.playerId],
    );
    if (!quote) throw cashOutQuoteNotFound();
    if (quote.expired) throw cashOutQuoteExpired();
    checkPart(bet, quote.stake);
    const worth = await cashOutWorth(tx, bet, deps.marginBps, tx);
    const value = partValue(worth, quote.stake, bet.openStake);
    const acceptable =
      input.acceptValueChanges === 'any' ||
      value === quote.value ||
      (input.acceptValueChanges === 'higher' && value > quote.value);
    if (!acceptable) throw cashOutValueChanged(value, input.quoteId);
    await payCashOut(tx, bet, quote.stake, value, false);
    await tx.query('DELETE FROM betting.cash_out_quotes WHERE id = $1', [input.quoteId]);
    return getBet(tx, input.playerId, bet.id);
  });
}

/** Sets (or clears, with null) a bet's auto cash-out value. */
export async function setAutoCashOut(
  db: Db,
  playerId: string,
  betId: string,
  value: bigint | null,
): Promise<BetView> {
  return db.transaction(async (tx) => {
    const [bet] = await lockBets(tx, [betId]);
    if (!bet || bet.playerId !== playerId) throw betNotFound();
    if (bet.status !== 'open' && bet.status !== 'pending')
      throw betNotCashable(`the bet is ${bet.status}.`, { betStatus: bet.status });
    await tx.query('UPDATE betting.bets SET auto_cash_out_value = $2 WHERE id = $1', [
      betId,
      value,
    ]);
    return getBet(tx, playerId, betId);
  });
}

/**
 * Cashes out, in full, the open bets whose cash-out value has reached the value their player
 * set. Each bet is one transaction that checks the value again under the bet's lock.
 */
export async function runAutoCashOuts(deps: CashOutDeps, limit = 500): Promise<string[]> {
  const candidates = await deps.db.query<{ id: string }>(
    `SELECT id FROM betting.bets WHERE status = 'open' AND auto_cash_out_value IS NOT NULL
     ORDER BY id LIMIT $1`,
    [limit],
  );
  if (candidates.length === 0) return [];
  const done: string[] = [];
  for (const bet of await readBets(
    deps.db,
    candidates.map((c) => c.id),
  )) {
    const target = bet.autoCashOutValue;
    if (target === null) continue;
    const worth = await cashOutWorth(deps.db, bet, deps.marginBps).catch(() => undefined);
    if (!worth || floorOf(worth) < target) continue;
    const paid = await deps.db.transaction(async (tx) => {
      const [locked] = await lockBets(tx, [bet.id]);
      if (locked?.status !== 'open' || locked.autoCashOutValue === null) return false;
      const now = await cashOutWorth(tx, locked, deps.marginBps, tx).catch(() => undefined);
      if (!now) return false;
      const value = floorOf(now);
      if (value < locked.autoCashOutValue) return false;
      await payCashOut(tx, locked, locked.openStake, value, true);
      return true;
    });
    if (paid) done.push(bet.id);
  }
  return done;
}
