// Placing a bet is one transaction: lock the player's accounts, check every leg (market open,
// pre-match only before the event's start by the database clock, in-play only on in-play
// markets), the price against the player's policy, the bet type, stake and payout limits and
// the balance, reserve the bet's liability on its selections and markets, move the stake from
// cash to the player's held account, insert the bet and announce it. An in-play bet is
// inserted as `pending` and accepted or rejected after its delay (pending.ts). Nothing is
// written unless all of it succeeds. Round trips are the cost of a placement, so the first
// statement also claims the idempotency key and the last writes the bet, its legs, the
// ledger posting, the announcement and the stored response together.
import { v7 as uuidv7 } from 'uuid';
import type { Config } from '../../platform/config.ts';
import type { Db, Tx } from '../../platform/db/db.ts';
import { emitSql } from '../../platform/events/outbox.ts';
import {
  type ClaimColumns,
  claimCtes,
  claimOf,
  IDEMPOTENCY_CLAIM_COLUMNS,
  type IdempotentCommand,
  inProgress,
  type KeyInStatement,
  type Outcome,
  runIdempotentInStatements,
  storeCte,
} from '../../platform/idempotency.ts';
import { parseAnyPrice } from '../../platform/odds.ts';
import { selectionsForBetting } from '../catalog/index.ts';
import { assertMayStake } from '../compliance/index.ts';
import { boostedSelections, fundStake } from '../promotions/index.ts';
import {
  type AccountRow,
  insufficientFunds,
  lockPlayerAccountsSql,
  type PlayerAccounts,
  postingError,
  postingSql,
  toPlayerAccounts,
} from '../wallet/index.ts';
import { invalidPrice, liabilityLimitReached } from './errors.ts';
import { reserveLiability } from './liability.ts';
import { smaller } from './pricing.ts';
import { playerRiskSql, toPlayerRisk } from './risk.ts';
import {
  maxStakeForLiability,
  type PlayerRisk,
  perUnitReturn,
  priceSlip,
  type SlipInput,
} from './slip.ts';
import type { BetKind } from './systems.ts';
import { type BetView, type PriceChangePolicy, presentBet } from './views.ts';

export { priceAcceptable } from './slip.ts';

export interface PlaceBetInput {
  playerId: string;
  /** Stake per line: the whole stake of a single or multiple, each line's of a system bet. */
  stake: bigint;
  legs: { selectionId: string; price: string | number }[];
  acceptPriceChanges: PriceChangePolicy;
  kind?: BetKind | undefined;
  system?: string | undefined;
  eachWay?: boolean | undefined;
  /** Promotions: stake a free bet, let bonus funds cover what cash does not, take an odds boost. */
  freeBetId?: string | undefined;
  useBonus?: boolean | undefined;
  boostId?: string | undefined;
}

/** Decimal odds a selection may have (catalog.selections), in thousandths. */
export const MIN_PRICE = 1001;
export const MAX_PRICE = 1_000_000;

export interface PlaceBetDeps {
  db: Db;
  limits: Config['limits'];
}

/** Requested prices as thousandths: given so, or as text in any odds format. */
export function requestedPrices(legs: PlaceBetInput['legs']): SlipInput['legs'] {
  return legs.map((leg) => {
    const price =
      typeof leg.price === 'number' ? leg.price : (parseAnyPrice(leg.price) ?? Number.NaN);
    if (!Number.isInteger(price) || price < MIN_PRICE || price > MAX_PRICE)
      throw invalidPrice(String(leg.price));
    return { selectionId: leg.selectionId, price };
  });
}

/**
 * The placement's first round trip: claims the idempotency key, locks the player's accounts
 * (concurrent bets of one player queue here, so the balances read are current) and reads the
 * player's risk settings and the transaction's clock, which dates the bet.
 */
async function openPlacement(
  tx: Tx,
  key: KeyInStatement,
  playerId: string,
): Promise<{ claim: ClaimColumns; accounts: AccountRow[]; risk: PlayerRisk; now: Date }> {
  const rows = await tx.query<
    ClaimColumns &
      Partial<AccountRow> & {
        stake_factor_bps: number | null;
        cash_out_blocked: boolean | null;
        now: Date;
      }
  >(
    `WITH ${claimCtes('$1', '$2', '$3')},
     placement_accounts AS (${lockPlayerAccountsSql('$4')}),
     placement_risk AS (${playerRiskSql('$4')})
     SELECT ${IDEMPOTENCY_CLAIM_COLUMNS},
            (SELECT stake_factor_bps FROM placement_risk) AS stake_factor_bps,
            (SELECT cash_out_blocked FROM placement_risk) AS cash_out_blocked,
            now() AS now, a.id, a.kind, a.currency, a.balance
     FROM (SELECT 1) AS one LEFT JOIN placement_accounts a ON true
     ORDER BY a.id`,
    [key.scope, key.key, key.hash, playerId],
  );
  const first = rows[0]!;
  return {
    claim: first,
    accounts: rows.filter((r) => r.id !== null && r.id !== undefined) as AccountRow[],
    risk: toPlayerRisk(
      first.stake_factor_bps === null
        ? undefined
        : { stake_factor_bps: first.stake_factor_bps, cash_out_blocked: first.cash_out_blocked! },
    ),
    now: first.now,
  };
}

async function place(
  tx: Tx,
  limits: Config['limits'],
  input: PlaceBetInput,
  key: KeyInStatement,
): Promise<Outcome<BetView>> {
  const opened = await openPlacement(tx, key, input.playerId);
  const claim = await claimOf<BetView>(tx, key, opened.claim);
  if (claim.state === 'replay') return { result: claim.result, idempotencyHit: true };
  if (claim.state === 'in_progress') throw inProgress();
  const accounts: PlayerAccounts = toPlayerAccounts(opened.accounts);
  const risk = opened.risk;

  const slipInput: SlipInput = {
    kind: input.kind,
    system: input.system,
    eachWay: input.eachWay,
    stakePerLine: input.stake,
    legs: requestedPrices(input.legs),
    acceptPriceChanges: input.acceptPriceChanges,
  };
  const listed = await selectionsForBetting(
    tx,
    slipInput.legs.map((l) => l.selectionId),
    tx,
  );
  // An odds boost strikes its selection at the boosted price.
  const selections = input.boostId
    ? await boostedSelections(tx, input.playerId, input.boostId, listed)
    : listed;
  const slip = priceSlip(slipInput, selections, limits, risk);
  if (slip.problems.length > 0) throw slip.problems[0];
  // Time-outs, self-exclusion, identity verification and loss limits (responsible gambling).
  await assertMayStake(tx, input.playerId, slip.totalStake);
  const betId = uuidv7();
  // A free bet or bonus funds move into cash for the stake (cash first, then bonus).
  const funded = await fundStake(tx, {
    betId,
    playerId: input.playerId,
    currency: accounts.currency,
    cashBalance: accounts.cash.balance,
    kind: slip.kind,
    totalStake: slip.totalStake,
    legs: slip.legs,
    freeBetId: input.freeBetId,
    useBonus: input.useBonus,
    boostId: input.boostId,
  });
  if (accounts.cash.balance + funded < slip.totalStake)
    throw insufficientFunds(accounts.cash.balance);

  const refused = await reserveLiability(tx, input.playerId, slip.keys, slip.liability);
  if (refused) {
    const byLiability = maxStakeForLiability(perUnitReturn(slip), slip.lines, refused.room);
    throw liabilityLimitReached(smaller(byLiability, slip.maxStake));
  }

  const pending = slip.inPlay && slip.delaySeconds > 0;
  const legs = slip.legs.map((l) => ({
    bet_id: betId,
    leg_no: l.legNo,
    selection_id: l.selection.selectionId,
    market_id: l.selection.marketId,
    event_id: l.selection.eventId,
    event_name: l.selection.eventName,
    market_name: l.selection.marketName,
    selection_name: l.selection.selectionName,
    price: l.price,
    requested_price: l.requested,
    in_play: l.inPlay,
  }));
  // The bet is dated by the transaction's clock (placed_at defaults to now(), which is
  // the transaction's start), so its view is known before it is written.
  const placedAt = opened.now;
  const acceptAfter = pending ? new Date(placedAt.getTime() + slip.delaySeconds * 1000) : null;
  const view = presentBet(
    {
      id: betId,
      kind: slip.kind,
      system: slip.system,
      each_way: slip.eachWay,
      lines: slip.lines,
      stake_per_line: slip.stakePerLine,
      status: pending ? 'pending' : 'open',
      currency: accounts.currency,
      stake: slip.totalStake,
      potential_payout: slip.potentialPayout,
      payout: null,
      builder_price: slip.builderPrice,
      cashed_out_stake: 0n,
      cashed_out_value: 0n,
      auto_cash_out_value: null,
      accept_price_changes: input.acceptPriceChanges,
      placed_at: placedAt,
      accept_after: acceptAfter,
      settled_at: null,
      status_reason: null,
    },
    legs,
  );

  // The second round trip writes everything in one statement: the bet and its legs, the
  // stake's move from cash to held (the ledger's own statement, with its audit record), the
  // announcement and the response a retry gets.
  const betParams = [
    betId,
    input.playerId,
    slip.kind,
    slip.system,
    slip.eachWay,
    slip.lines,
    slip.stakePerLine,
    accounts.currency,
    slip.totalStake,
    slip.potentialPayout,
    slip.builderPrice,
    slip.liability,
    input.acceptPriceChanges,
    pending,
    slip.delaySeconds,
  ];
  const legParams = [
    legs.map((l) => l.leg_no),
    legs.map((l) => l.event_id),
    legs.map((l) => l.market_id),
    legs.map((l) => l.selection_id),
    legs.map((l) => l.price),
    legs.map((l) => l.requested_price),
    legs.map((l) => l.event_name),
    legs.map((l) => l.market_name),
    legs.map((l) => l.selection_name),
    slip.legs.map((l) => l.selection.marketType),
    slip.legs.map((l) => (slip.eachWay ? (l.selection.eachWay?.places ?? null) : null)),
    slip.legs.map((l) => (slip.eachWay ? (l.selection.eachWay?.num ?? null) : null)),
    slip.legs.map((l) => (slip.eachWay ? (l.selection.eachWay?.den ?? null) : null)),
    // As text: postgres.js sends an array of booleans as one boolean.
    legs.map((l) => (l.in_play ? 'true' : 'false')),
  ];
  const posting = postingSql(
    [
      {
        debit: accounts.cash.id,
        credit: accounts.held.id,
        amount: slip.totalStake,
        currency: accounts.currency,
        kind: 'bet_stake',
        reference: `bet:${betId}`,
      },
    ],
    betParams.length + legParams.length + 1,
  );
  if (!posting) throw new Error('a bet without a stake');
  const announced = emitSql(
    [
      {
        type: 'bet.placed',
        aggregateId: betId,
        payload: {
          bet: view,
          playerId: input.playerId,
          balance: (accounts.cash.balance + funded - slip.totalStake).toString(),
        },
      },
    ],
    betParams.length + legParams.length + posting.params.length + 1,
  );
  const n = betParams.length + legParams.length + posting.params.length + announced.params.length;
  let written: { placed_at: Date }[];
  try {
    written = await tx.query<{ placed_at: Date }>(
      `WITH placement_bet AS (
         INSERT INTO betting.bets (id, player_id, kind, system, each_way, lines, stake_per_line, currency, stake,
                                   potential_payout, builder_price, liability, accept_price_changes, status, accept_after)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13,
                 CASE WHEN $14 THEN 'pending' ELSE 'open' END,
                 CASE WHEN $14 THEN now() + make_interval(secs => $15) END)
         RETURNING placed_at
       ), placement_legs AS (
         INSERT INTO betting.bet_legs (bet_id, leg_no, event_id, market_id, selection_id, price, requested_price,
                                       event_name, market_name, selection_name, market_type, each_way_places,
                                       each_way_num, each_way_den, in_play)
         SELECT $1, * FROM unnest($16::smallint[], $17::uuid[], $18::uuid[], $19::uuid[], $20::int[], $21::int[],
                                  $22::text[], $23::text[], $24::text[], $25::text[], $26::smallint[],
                                  $27::smallint[], $28::smallint[], $29::boolean[])
       ), ${posting.ctes}, ${announced.cte},
       ${storeCte(`$${n + 1}`, `$${n + 2}`, `$${n + 3}`)}
       SELECT placed_at FROM placement_bet`,
      [
        ...betParams,
        ...legParams,
        ...posting.params,
        ...announced.params,
        key.scope,
        key.key,
        JSON.stringify(view),
      ],
    );
  } catch (error) {
    throw postingError(error);
  }
  // The view went out with the transaction's clock; the row must carry the same time.
  if (written[0]?.placed_at.getTime() !== placedAt.getTime())
    throw new Error('the bet was dated other than by its transaction');
  return { result: view, idempotencyHit: false };
}

export function placeBet(
  deps: PlaceBetDeps,
  command: IdempotentCommand<PlaceBetInput>,
): Promise<Outcome<BetView>> {
  return runIdempotentInStatements(deps.db, 'betting.place', command, (tx, input, key) =>
    place(tx, deps.limits, input, key),
  );
}
