// Placing a bet is one transaction: lock the player's accounts, check every leg (market open,
// event not started by the database clock, price within the player's policy), check stake
// and payout limits and the balance, move the stake from cash to the player's held account,
// insert the bet and announce it. Nothing is written unless all of it succeeds.
import { v7 as uuidv7 } from 'uuid';
import type { Config } from '../../platform/config.ts';
import type { Db, Tx } from '../../platform/db/db.ts';
import { emit } from '../../platform/events/outbox.ts';
import { type IdempotentCommand, type Outcome, runIdempotent } from '../../platform/idempotency.ts';
import { formatPrice, parsePrice, payoutFor } from '../../platform/money.ts';
import { bettableSelections, eventClosed, eventStarted, marketNotOpen } from '../catalog/index.ts';
import { insufficientFunds, lockPlayerAccounts, post } from '../wallet/index.ts';
import {
  invalidPrice,
  oddsChanged,
  payoutTooHigh,
  sameEventTwice,
  selectionNotFound,
  stakeOutOfRange,
} from './errors.ts';
import { type BetView, type PriceChangePolicy, presentBet } from './views.ts';

export interface PlaceBetInput {
  playerId: string;
  stake: bigint;
  /** One leg is a single; several legs (one per event) are a multiple. */
  legs: { selectionId: string; price: string }[];
  acceptPriceChanges: PriceChangePolicy;
}

/** Decimal odds a selection may have (catalog.selections), in thousandths. */
const MIN_PRICE = 1001;
const MAX_PRICE = 1_000_000;

export interface PlaceBetDeps {
  db: Db;
  limits: Config['limits'];
}

/** Whether the current price is acceptable to a player who asked for `requested`. */
export function priceAcceptable(
  policy: PriceChangePolicy,
  requested: number,
  current: number,
): boolean {
  if (policy === 'any') return true;
  if (policy === 'higher') return current >= requested;
  return current === requested;
}

async function place(tx: Tx, limits: Config['limits'], input: PlaceBetInput): Promise<BetView> {
  const { stake } = input;
  if (stake < limits.minStake || stake > limits.maxStake)
    throw stakeOutOfRange(limits.minStake, limits.maxStake);
  // The schema checks the shape of a price, not its range; a requested price no selection
  // can have would pass `any`/`higher` and then break the bet_legs constraint.
  for (const leg of input.legs) {
    const requested = parsePrice(leg.price);
    if (requested < MIN_PRICE || requested > MAX_PRICE) throw invalidPrice(leg.price);
  }

  // Concurrent bets of one player queue here; the balance read below is current.
  const accounts = await lockPlayerAccounts(tx, input.playerId);

  const selections = await bettableSelections(
    tx,
    input.legs.map((l) => l.selectionId),
  );
  const byId = new Map(selections.map((s) => [s.selectionId, s]));
  const events = new Set<string>();
  const changed: { selectionId: string; requested: string; current: string }[] = [];
  const legs = input.legs.map((leg, i) => {
    const selection = byId.get(leg.selectionId);
    if (!selection) throw selectionNotFound(leg.selectionId);
    if (events.has(selection.eventId)) throw sameEventTwice();
    events.add(selection.eventId);
    if (selection.marketStatus !== 'open')
      throw marketNotOpen(selection.marketId, selection.marketStatus);
    if (selection.eventStatus === 'ended' || selection.eventStatus === 'cancelled') {
      throw eventClosed(selection.eventId, selection.eventStatus);
    }
    if (selection.eventStatus !== 'scheduled' || selection.started)
      throw eventStarted(selection.eventId);
    const requested = parsePrice(leg.price);
    if (!priceAcceptable(input.acceptPriceChanges, requested, selection.price)) {
      changed.push({
        selectionId: leg.selectionId,
        requested: leg.price,
        current: formatPrice(selection.price),
      });
    }
    return { legNo: i + 1, selection, requested };
  });
  if (changed.length > 0) throw oddsChanged(changed);

  const potentialPayout = payoutFor(
    stake,
    legs.map((l) => l.selection.price),
  );
  if (potentialPayout > limits.maxPayout) {
    const combined = payoutFor(
      1_000_000n,
      legs.map((l) => l.selection.price),
    );
    // The largest stake whose payout stays within the limit, capped by the stake limit.
    const maxStake = (limits.maxPayout * 1_000_000n) / combined;
    throw payoutTooHigh(limits.maxPayout, maxStake < limits.maxStake ? maxStake : limits.maxStake);
  }
  if (accounts.cash.balance < stake) throw insufficientFunds(accounts.cash.balance);

  const betId = uuidv7();
  const kind = legs.length === 1 ? 'single' : 'multiple';
  const [bet] = await tx.query<{ placed_at: Date }>(
    `INSERT INTO betting.bets (id, player_id, kind, currency, stake, potential_payout, accept_price_changes)
     VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING placed_at`,
    [
      betId,
      input.playerId,
      kind,
      accounts.currency,
      stake,
      potentialPayout,
      input.acceptPriceChanges,
    ],
  );
  await tx.query(
    `INSERT INTO betting.bet_legs (bet_id, leg_no, event_id, market_id, selection_id, price, requested_price,
                                   event_name, market_name, selection_name)
     SELECT $1, * FROM unnest($2::smallint[], $3::uuid[], $4::uuid[], $5::uuid[], $6::int[], $7::int[],
                              $8::text[], $9::text[], $10::text[])`,
    [
      betId,
      legs.map((l) => l.legNo),
      legs.map((l) => l.selection.eventId),
      legs.map((l) => l.selection.marketId),
      legs.map((l) => l.selection.selectionId),
      legs.map((l) => l.selection.price),
      legs.map((l) => l.requested),
      legs.map((l) => l.selection.eventName),
      legs.map((l) => l.selection.marketName),
      legs.map((l) => l.selection.selectionName),
    ],
  );
  await post(tx, [
    {
      debit: accounts.cash.id,
      credit: accounts.held.id,
      amount: stake,
      currency: accounts.currency,
      kind: 'bet_stake',
      reference: `bet:${betId}`,
    },
  ]);
  const view = presentBet(
    {
      id: betId,
      kind,
      status: 'open',
      currency: accounts.currency,
      stake,
      potential_payout: potentialPayout,
      payout: null,
      accept_price_changes: input.acceptPriceChanges,
      placed_at: bet!.placed_at,
      settled_at: null,
    },
    legs.map((l) => ({
      bet_id: betId,
      leg_no: l.legNo,
      selection_id: l.selection.selectionId,
      market_id: l.selection.marketId,
      event_id: l.selection.eventId,
      event_name: l.selection.eventName,
      market_name: l.selection.marketName,
      selection_name: l.selection.selectionName,
      price: l.selection.price,
      requested_price: l.requested,
    })),
  );
  await emit(tx, {
    type: 'bet.placed',
    aggregateId: betId,
    payload: {
      bet: view,
      playerId: input.playerId,
      balance: (accounts.cash.balance - stake).toString(),
    },
  });
  return view;
}

export function placeBet(
  deps: PlaceBetDeps,
  command: IdempotentCommand<PlaceBetInput>,
): Promise<Outcome<BetView>> {
  return runIdempotent(deps.db, 'betting.place', command, (tx, input) =>
    place(tx, deps.limits, input),
  );
}
