// What promotions do to a bet, inside the transactions that place, settle and reject it.
//
// Placement (the player's accounts are locked): an odds boost replaces its selection's price
// before the slip is priced; then the stake is funded — a free bet moves its amount house →
// cash, bonus funds move bonus → cash for the part cash does not cover (cash first, then
// bonus) — and the bet's stake then moves cash → held like any other. The bet's ledger moves
// are therefore those of every bet; promotions' own moves reference `promo:bet:<id>…`.
//
// Settlement (the players' accounts are locked, in the same transaction and the same posting
// as the bet's moves): a free bet's stake is taken back from what the bet returned (a win pays
// the winnings only; a void gives the token back); the bonus share of the payout
// (payout × bonus part / stake, rounded down) goes back to the bonus account while the grant
// is active, to the house once it was forfeited, and stays in cash once it was released; a
// won multiple with an acca bonus gets its percentage of the winnings; a qualifying bet counts
// its stake towards the active grant's wagering, and meeting it releases the bonus balance.
// A resettlement first posts the mirror of what the version it reverses moved.
import type { Queryable, Tx } from '../../platform/db/db.ts';
import { emit } from '../../platform/events/outbox.ts';
import type { BetForMoney } from '../betting/index.ts';
import type { BetSelection } from '../catalog/index.ts';
import { selectionOutcomes } from '../catalog/index.ts';
import {
  bonusAccount,
  lockPlayerAccounts,
  post,
  systemAccount,
  type Transfer,
} from '../wallet/index.ts';
import { hasOptedIn } from './award.ts';
import { type Grant, grantsByIds, lockActiveGrants } from './bonus.ts';
import { assertEligible, playerProfile, receivesPromotions } from './eligibility.ts';
import {
  boostNotAvailable,
  boostStakeTooHigh,
  freeBetNotFound,
  freeBetNotUsable,
  freeBetStakeMismatch,
  noBonusFunds,
  promotionalCashOut,
  promotionFundsConflict,
  promotionMarketExcluded,
  promotionsBlocked,
} from './errors.ts';
import { lockFreeBet, markFreeBetUsed, reclaimFreeBet, reinstateFreeBet } from './free-bets.ts';
import { getPromotion, isLive, livePromotions, type Promotion } from './promotion.ts';

/** The smaller of two amounts (bigint: Math.min would throw). */
const smaller = (a: bigint, b: bigint) => (a < b ? a : b);

export interface BetPromotionOptions {
  freeBetId?: string | undefined;
  useBonus?: boolean | undefined;
  boostId?: string | undefined;
}

/**
 * The selections as the bet will be struck: an odds boost's selection at its boosted price.
 * Refuses a boost the player may not use. Reads only (the quote calls it too).
 */
export async function boostedSelections(
  q: Queryable,
  playerId: string,
  boostId: string,
  selections: readonly BetSelection[],
): Promise<BetSelection[]> {
  const boost = await getPromotion(q, boostId).catch(() => undefined);
  if (boost?.kind !== 'odds_boost') throw boostNotAvailable('no such odds boost');
  if (!(await receivesPromotions(q, playerId))) throw promotionsBlocked();
  if (!isLive(boost, new Date())) throw boostNotAvailable('it is not running');
  const profile = await playerProfile(q, playerId);
  assertEligible(boost, profile, new Date());
  if (boost.optIn && !(await hasOptedIn(q, boost.id, playerId)))
    throw boostNotAvailable('opt in first');
  const [used] = await q.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM promotions.bet_terms WHERE boost_id = $1 AND player_id = $2',
    [boost.id, playerId],
  );
  if ((used?.n ?? 0) >= boost.perPlayer) throw boostNotAvailable('already used');
  const selectionId = boost.terms.selectionId!;
  if (!selections.some((s) => s.selectionId === selectionId))
    throw boostNotAvailable('the boosted selection is not on the slip');
  return selections.map((s) =>
    s.selectionId === selectionId ? { ...s, price: boost.terms.boostedPrice! } : s,
  );
}

export interface FundingInput extends BetPromotionOptions {
  betId: string;
  playerId: string;
  currency: string;
  cashBalance: bigint;
  kind: string;
  totalStake: bigint;
  legs: readonly { price: number; selection: BetSelection }[];
}

function checkLegs(
  legs: FundingInput['legs'],
  rule: { minOdds: number | null; sports?: string[]; marketTypes?: string[] },
) {
  for (const { price, selection } of legs) {
    if (rule.minOdds !== null && price < rule.minOdds)
      throw promotionMarketExcluded(selection.selectionId, 'the price is below the minimum odds');
    if (rule.sports && rule.sports.length > 0 && !rule.sports.includes(selection.sportId))
      throw promotionMarketExcluded(selection.selectionId, 'the sport does not qualify');
    if (
      rule.marketTypes &&
      rule.marketTypes.length > 0 &&
      !rule.marketTypes.includes(selection.marketType)
    )
      throw promotionMarketExcluded(selection.selectionId, 'the market does not qualify');
  }
}

/** The acca bonus a multiple qualifies for at placement, if any. */
async function accaBonusFor(tx: Tx, input: FundingInput): Promise<Promotion | undefined> {
  if (input.kind !== 'multiple') return undefined;
  const offers = await livePromotions(tx, 'acca_bonus', input.currency);
  if (offers.length === 0 || !(await receivesPromotions(tx, input.playerId))) return undefined;
  const profile = await playerProfile(tx, input.playerId);
  for (const offer of offers) {
    const minLegs = Math.min(...Object.keys(offer.terms.percentBpsByLegs!).map(Number));
    const qualifying = input.legs.filter((l) => l.price >= offer.terms.minLegOdds!).length;
    if (qualifying < minLegs || qualifying < input.legs.length) continue;
    try {
      assertEligible(offer, profile, new Date());
    } catch {
      continue;
    }
    if (offer.optIn && !(await hasOptedIn(tx, offer.id, input.playerId))) continue;
    return offer;
  }
  return undefined;
}

/**
 * Funds the promotional part of a stake and records the bet's promotion terms. Returns how
 * much it moved into cash for the stake (0 for a plain bet).
 */
export async function fundStake(tx: Tx, input: FundingInput): Promise<bigint> {
  if (input.freeBetId && input.useBonus) throw promotionFundsConflict();
  const promotional = Boolean(input.freeBetId || input.useBonus || input.boostId);
  if (promotional && !(await receivesPromotions(tx, input.playerId))) throw promotionsBlocked();
  const house = () => systemAccount(tx, 'house', input.currency);
  const transfers: Transfer[] = [];
  let freeBetId: string | null = null;
  let bonusPart = 0n;
  let grantId: string | null = null;

  if (input.freeBetId) {
    const freeBet = await lockFreeBet(tx, input.playerId, input.freeBetId);
    if (!freeBet) throw freeBetNotFound();
    if (freeBet.status === 'used') throw freeBetNotUsable('it has been used');
    if (freeBet.status === 'expired' || freeBet.expired) throw freeBetNotUsable('it has expired');
    if (freeBet.currency !== input.currency) throw freeBetNotUsable('it is in another currency');
    if (input.totalStake !== freeBet.amount) throw freeBetStakeMismatch(freeBet.amount);
    checkLegs(input.legs, freeBet);
    const accounts = await cashOf(tx, input.playerId);
    transfers.push({
      debit: await house(),
      credit: accounts,
      amount: freeBet.amount,
      currency: input.currency,
      kind: 'promo_free_bet_stake',
      reference: `promo:bet:${input.betId}`,
    });
    await markFreeBetUsed(tx, freeBet.id, input.betId);
    freeBetId = freeBet.id;
  } else if (input.useBonus) {
    const grant = (await lockActiveGrants(tx, [input.playerId])).get(
      `${input.playerId}:${input.currency}`,
    );
    if (!grant) throw noBonusFunds();
    const bonus = await bonusAccount(tx, input.playerId, input.currency);
    if (bonus.balance === 0n) throw noBonusFunds();
    checkLegs(input.legs, { minOdds: grant.minOdds });
    // Cash first, then bonus.
    const short = input.totalStake > input.cashBalance ? input.totalStake - input.cashBalance : 0n;
    bonusPart = short < bonus.balance ? short : bonus.balance;
    if (bonusPart > 0n) {
      transfers.push({
        debit: bonus.id,
        credit: await cashOf(tx, input.playerId),
        amount: bonusPart,
        currency: input.currency,
        kind: 'promo_bonus_stake',
        reference: `promo:bet:${input.betId}`,
      });
      grantId = grant.id;
    }
  }

  if (input.boostId) {
    const boost = await getPromotion(tx, input.boostId);
    const maxStake = BigInt(boost.terms.maxStake!);
    if (input.totalStake > maxStake) throw boostStakeTooHigh(maxStake);
  }
  const acca = await accaBonusFor(tx, input);

  if (freeBetId || bonusPart > 0n || input.boostId || acca) {
    await tx.query(
      `INSERT INTO promotions.bet_terms (bet_id, player_id, currency, stake, free_bet_id, bonus_part, grant_id,
         boost_id, acca_promotion_id, acca_min_leg_odds, acca_percent_bps)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11::jsonb)`,
      [
        input.betId,
        input.playerId,
        input.currency,
        input.totalStake,
        freeBetId,
        bonusPart,
        grantId,
        input.boostId ?? null,
        acca?.id ?? null,
        acca?.terms.minLegOdds ?? null,
        acca ? JSON.stringify(acca.terms.percentBpsByLegs) : null,
      ],
    );
  }
  await post(tx, transfers);
  return transfers.reduce((sum, t) => sum + t.amount, 0n);
}

async function cashOf(tx: Tx, playerId: string): Promise<bigint> {
  // Already locked by the caller: this returns the row it holds.
  return (await lockPlayerAccounts(tx, playerId)).cash.id;
}

interface BetTerms {
  bet_id: string;
  player_id: string;
  currency: string;
  stake: bigint;
  free_bet_id: string | null;
  bonus_part: bigint;
  grant_id: string | null;
  boost_id: string | null;
  acca_promotion_id: string | null;
  acca_min_leg_odds: number | null;
  acca_percent_bps: Record<string, number> | null;
}

async function termsOf(q: Queryable, betIds: readonly string[]): Promise<Map<string, BetTerms>> {
  if (betIds.length === 0) return new Map();
  const rows = await q.query<BetTerms>(
    `SELECT bet_id, player_id, currency, stake, free_bet_id, bonus_part, grant_id, boost_id, acca_promotion_id,
            acca_min_leg_odds, acca_percent_bps
     FROM promotions.bet_terms WHERE bet_id = ANY($1::uuid[])`,
    [betIds],
  );
  return new Map(rows.map((r) => [r.bet_id, r]));
}

/** Cash out is refused for a bet staked with a free bet or bonus funds. */
export async function assertCashable(q: Queryable, betId: string): Promise<void> {
  const terms = (await termsOf(q, [betId])).get(betId);
  if (terms && (terms.free_bet_id || terms.bonus_part > 0n)) throw promotionalCashOut();
}

type Side = 'cash' | 'bonus' | 'house';
interface Move {
  kind: Transfer['kind'];
  from: Side;
  to: Side;
  amount: string;
}

export interface SettlementItem {
  bet: BetForMoney;
  reverse: boolean;
  settle: boolean;
  verdict: { status: 'won' | 'lost' | 'void'; payout: bigint } | undefined;
}

/**
 * Per player, how promotions' moves of a settlement batch change their cash: the mirror of a
 * reversed version gives back what it took (a bonus share as far as the bonus balance holds,
 * a free bet's stake), and a new settlement takes a free bet's stake and the bonus share of
 * its payout. An acca bonus is left out (its reversal only takes what cash holds). Settlement
 * adds this to the bets' own cash changes before deciding whether a correction can proceed.
 */
export async function promotionCashDeltas(
  tx: Tx,
  items: readonly SettlementItem[],
): Promise<Map<string, bigint>> {
  const deltas = new Map<string, bigint>();
  if (items.length === 0) return deltas;
  const terms = await termsOf(
    tx,
    items.map((i) => i.bet.id),
  );
  const reversed = items.filter((i) => i.reverse);
  const previous = new Map<string, Move[]>();
  if (reversed.length > 0) {
    const rows = await tx.query<{ bet_id: string; moves: Move[] }>(
      `SELECT bet_id, moves FROM promotions.bet_settlements
       WHERE (bet_id, version) IN (SELECT * FROM unnest($1::uuid[], $2::int[])) AND reversed_at IS NULL`,
      [reversed.map((i) => i.bet.id), reversed.map((i) => i.bet.settlementVersion)],
    );
    for (const r of rows) previous.set(r.bet_id, r.moves);
  }
  if (terms.size === 0 && previous.size === 0) return deltas;
  const grants = await grantsByIds(
    tx,
    [...terms.values()].map((t) => t.grant_id).filter((g): g is string => g !== null),
  );
  const bonusLeft = new Map<string, bigint>();
  for (const { bet, reverse, settle, verdict } of items) {
    let delta = 0n;
    if (reverse) {
      for (const m of previous.get(bet.id) ?? []) {
        if (m.from !== 'cash') continue;
        let amount = BigInt(m.amount);
        if (m.to === 'bonus') {
          const key = `${bet.playerId}:${bet.currency}`;
          let left = bonusLeft.get(key);
          if (left === undefined) {
            left = (await bonusAccount(tx, bet.playerId, bet.currency)).balance;
          }
          amount = smaller(amount, left);
          bonusLeft.set(key, left - amount);
        }
        delta += amount;
      }
    }
    const t = terms.get(bet.id);
    if (settle && verdict && t) {
      if (t.free_bet_id) delta -= smaller(verdict.payout, bet.openStake);
      const grant = t.grant_id ? grants.get(t.grant_id) : undefined;
      if (t.bonus_part > 0n && (grant?.status === 'active' || grant?.status === 'forfeited'))
        delta -= (verdict.payout * t.bonus_part) / t.stake;
    }
    if (delta !== 0n) deltas.set(bet.playerId, (deltas.get(bet.playerId) ?? 0n) + delta);
  }
  return deltas;
}

/**
 * The promotion moves of a settlement batch, to be posted with the bets' own moves. The
 * caller has locked the players' accounts; `cash` maps each player to their cash account.
 */
export async function promotionSettlementTransfers(
  tx: Tx,
  items: readonly SettlementItem[],
  cash: ReadonlyMap<string, bigint>,
  /** The bets' own moves of this posting (a reversal may take cash back only from what stays). */
  pending: readonly Transfer[] = [],
): Promise<Transfer[]> {
  if (items.length === 0) return [];
  const terms = await termsOf(
    tx,
    items.map((i) => i.bet.id),
  );
  const players = [...new Set(items.map((i) => i.bet.playerId))];
  const active = await lockActiveGrants(tx, players);
  const reversed = items.filter((i) => i.reverse);
  const previous = new Map<
    string,
    { moves: Move[]; grant_id: string | null; wagered: bigint; version: number }
  >();
  if (reversed.length > 0) {
    const rows = await tx.query<{
      bet_id: string;
      version: number;
      moves: Move[];
      grant_id: string | null;
      wagered: bigint;
    }>(
      `SELECT bet_id, version, moves, grant_id, wagered FROM promotions.bet_settlements
       WHERE (bet_id, version) IN (SELECT * FROM unnest($1::uuid[], $2::int[])) AND reversed_at IS NULL`,
      [reversed.map((i) => i.bet.id), reversed.map((i) => i.bet.settlementVersion)],
    );
    for (const r of rows) previous.set(r.bet_id, r);
  }
  if (terms.size === 0 && active.size === 0 && previous.size === 0) return [];

  const grants = await grantsByIds(
    tx,
    [...terms.values()].map((t) => t.grant_id).filter((g): g is string => g !== null),
  );
  for (const g of active.values()) grants.set(g.id, g);
  const accaLegs = await accaOutcomes(tx, items, terms);

  // Account ids and the bonus balances as this batch changes them.
  const houses = new Map<string, bigint>();
  const houseOf = async (currency: string) => {
    let id = houses.get(currency);
    if (id === undefined) {
      id = await systemAccount(tx, 'house', currency);
      houses.set(currency, id);
    }
    return id;
  };
  const bonuses = new Map<string, { id: bigint; balance: bigint }>();
  const bonusOf = async (playerId: string, currency: string) => {
    const key = `${playerId}:${currency}`;
    let b = bonuses.get(key);
    if (!b) {
      b = await bonusAccount(tx, playerId, currency);
      bonuses.set(key, b);
    }
    return b;
  };

  const transfers: Transfer[] = [];
  const records: {
    betId: string;
    version: number;
    moves: Move[];
    grantId: string | null;
    wagered: bigint;
  }[] = [];
  const reversedVersions: { betId: string; version: number }[] = [];
  const wageredDelta = new Map<string, bigint>();

  const account = async (side: Side, bet: BetForMoney) => {
    if (side === 'house') return houseOf(bet.currency);
    if (side === 'bonus') return (await bonusOf(bet.playerId, bet.currency)).id;
    const id = cash.get(bet.playerId);
    if (id === undefined) throw new Error(`cash account of ${bet.playerId} not locked`);
    return id;
  };
  const move = async (bet: BetForMoney, reference: string, m: Move) => {
    if (BigInt(m.amount) <= 0n) return;
    if (m.from === 'bonus') (await bonusOf(bet.playerId, bet.currency)).balance -= BigInt(m.amount);
    if (m.to === 'bonus') (await bonusOf(bet.playerId, bet.currency)).balance += BigInt(m.amount);
    transfers.push({
      debit: await account(m.from, bet),
      credit: await account(m.to, bet),
      amount: BigInt(m.amount),
      currency: bet.currency,
      kind: m.kind,
      reference,
    });
  };

  // A player's cash after the locked balance, the bets' moves and the moves so far.
  const cashLeft = async (playerId: string) => {
    const id = cash.get(playerId)!;
    let left = (await lockPlayerAccounts(tx, playerId)).cash.balance;
    for (const tr of [...pending, ...transfers]) {
      if (tr.credit === id) left += tr.amount;
      if (tr.debit === id) left -= tr.amount;
    }
    return left;
  };

  for (const item of items) {
    const { bet } = item;
    const t = terms.get(bet.id);
    if (item.reverse) {
      const old = previous.get(bet.id);
      if (old) {
        for (const m of old.moves) {
          let amount = BigInt(m.amount);
          // Bonus funds or an acca bonus spent since cannot come back: take back what is there.
          if (m.to === 'bonus') {
            const b = await bonusOf(bet.playerId, bet.currency);
            if (b.balance < amount) amount = b.balance;
          }
          if (m.to === 'cash') {
            const left = await cashLeft(bet.playerId);
            if (left < amount) amount = left > 0n ? left : 0n;
          }
          await move(bet, `promo:bet:${bet.id}:r${old.version}`, {
            kind: 'promo_reversal',
            from: m.to,
            to: m.from,
            amount: amount.toString(),
          });
        }
        if (old.grant_id && old.wagered > 0n)
          wageredDelta.set(old.grant_id, (wageredDelta.get(old.grant_id) ?? 0n) - old.wagered);
        if (t?.free_bet_id && old.moves.some((m) => m.kind === 'promo_free_bet_reclaim')) {
          // The void that gave the token back is undone: the token is this bet's again.
          if (bet.status === 'void') await reclaimFreeBet(tx, t.free_bet_id, bet.id);
        }
        reversedVersions.push({ betId: bet.id, version: old.version });
      }
    }
    if (!item.settle || !item.verdict) continue;
    const version = bet.settlementVersion + 1;
    const { status, payout } = item.verdict;
    const stake = bet.openStake;
    const moves: Move[] = [];
    if (t?.free_bet_id) {
      // The free bet's stake is not the player's: whatever of it came back goes to the house.
      const reclaim = smaller(payout, stake);
      moves.push({
        kind: 'promo_free_bet_reclaim',
        from: 'cash',
        to: 'house',
        amount: reclaim.toString(),
      });
      if (status === 'void') await reinstateFreeBet(tx, t.free_bet_id);
    }
    if (t && t.bonus_part > 0n && t.grant_id) {
      const share = (payout * t.bonus_part) / t.stake;
      const grant = grants.get(t.grant_id);
      if (grant?.status === 'active')
        moves.push({
          kind: 'promo_bonus_return',
          from: 'cash',
          to: 'bonus',
          amount: share.toString(),
        });
      else if (grant?.status === 'forfeited')
        moves.push({
          kind: 'promo_bonus_forfeit',
          from: 'cash',
          to: 'house',
          amount: share.toString(),
        });
    }
    const legsWon = accaLegs.get(bet.id);
    if (t?.acca_promotion_id && status === 'won' && legsWon !== undefined && payout > stake) {
      const bps = accaPercent(t.acca_percent_bps ?? {}, legsWon);
      const bonus = ((payout - stake) * BigInt(bps)) / 10_000n;
      moves.push({ kind: 'promo_acca_bonus', from: 'house', to: 'cash', amount: bonus.toString() });
    }
    // Wagering: a won or lost bet on the player's own money placed during the grant, every leg
    // at the grant's minimum odds or more, counts its stake.
    const grant = active.get(`${bet.playerId}:${bet.currency}`);
    let wagered = 0n;
    if (
      grant &&
      !t?.free_bet_id &&
      (status === 'won' || status === 'lost') &&
      bet.placedAt >= grant.createdAt &&
      grant.expiresAt > new Date() &&
      bet.legs.every((l) => grant.minOdds === null || l.price >= grant.minOdds)
    ) {
      wagered = stake;
      wageredDelta.set(grant.id, (wageredDelta.get(grant.id) ?? 0n) + wagered);
    }
    for (const m of moves) await move(bet, `promo:bet:${bet.id}:s${version}`, m);
    if (moves.some((m) => BigInt(m.amount) > 0n) || wagered > 0n)
      records.push({
        betId: bet.id,
        version,
        moves: moves.filter((m) => BigInt(m.amount) > 0n),
        grantId: wagered > 0n ? grant!.id : null,
        wagered,
      });
  }

  if (reversedVersions.length > 0)
    await tx.query(
      `UPDATE promotions.bet_settlements s SET reversed_at = now()
       FROM unnest($1::uuid[], $2::int[]) AS r(bet_id, version)
       WHERE s.bet_id = r.bet_id AND s.version = r.version`,
      [reversedVersions.map((r) => r.betId), reversedVersions.map((r) => r.version)],
    );
  if (records.length > 0)
    await tx.query(
      `INSERT INTO promotions.bet_settlements (bet_id, version, moves, grant_id, wagered)
       SELECT * FROM unnest($1::uuid[], $2::int[], $3::jsonb[], $4::uuid[], $5::bigint[])`,
      [
        records.map((r) => r.betId),
        records.map((r) => r.version),
        records.map((r) => JSON.stringify(r.moves)),
        records.map((r) => r.grantId),
        records.map((r) => r.wagered),
      ],
    );

  // Wagering progress of the active grants; a grant whose requirement is met is released.
  for (const [grantId, delta] of wageredDelta) {
    const grant = grants.get(grantId);
    if (grant?.status !== 'active') continue;
    let wagered = grant.wagered + delta;
    if (wagered < 0n) wagered = 0n;
    if (wagered >= grant.wageringRequired) {
      const b = await bonusOf(grant.playerId, grant.currency);
      const amount = b.balance;
      if (amount > 0n) {
        transfers.push({
          debit: b.id,
          credit: cash.get(grant.playerId)!,
          amount,
          currency: grant.currency,
          kind: 'promo_bonus_release',
          reference: `promo:grant:${grant.id}:close`,
        });
        b.balance = 0n;
      }
      await tx.query(
        `UPDATE promotions.bonus_grants SET wagered = $2, status = 'released', closed_amount = $3,
           closed_reason = 'wagering met', closed_at = now() WHERE id = $1 AND status = 'active'`,
        [grant.id, wagered, amount],
      );
      await emit(tx, {
        type: 'promotions.bonus.released',
        aggregateId: grant.id,
        payload: {
          grantId: grant.id,
          playerId: grant.playerId,
          amount: amount.toString(),
          currency: grant.currency,
          reason: 'wagering met',
        },
      });
    } else {
      await tx.query('UPDATE promotions.bonus_grants SET wagered = $2 WHERE id = $1', [
        grant.id,
        wagered,
      ]);
    }
  }
  return transfers;
}

/** The percentage for `legs` won legs: the entry for the largest leg count not above it. */
export function accaPercent(table: Record<string, number>, legs: number): number {
  let best = 0;
  let bestLegs = 0;
  for (const [key, bps] of Object.entries(table)) {
    const n = Number(key);
    if (n <= legs && n > bestLegs) {
      best = bps;
      bestLegs = n;
    }
  }
  return best;
}

/** Per acca-bonus bet, how many legs won at or above the minimum leg odds. */
async function accaOutcomes(
  tx: Tx,
  items: readonly SettlementItem[],
  terms: ReadonlyMap<string, BetTerms>,
): Promise<Map<string, number>> {
  const accas = items.filter(
    (i) => i.settle && i.verdict?.status === 'won' && terms.get(i.bet.id)?.acca_promotion_id,
  );
  if (accas.length === 0) return new Map();
  const outcomes = await selectionOutcomes(tx, [
    ...new Set(accas.flatMap((i) => i.bet.legs.map((l) => l.selectionId))),
  ]);
  return new Map(
    accas.map((i) => {
      const min = terms.get(i.bet.id)!.acca_min_leg_odds ?? 0;
      const won = i.bet.legs.filter(
        (l) => outcomes.get(l.selectionId)?.outcome === 'win' && l.price >= min,
      ).length;
      return [i.bet.id, won];
    }),
  );
}

/**
 * A rejected pending bet (its stake back in cash): a free bet's amount returns to the house
 * and the token to the player; the bonus part returns to the bonus account while its grant is
 * active (to the house once forfeited). The caller has locked the players' accounts.
 */
export async function returnPromotionalStakes(
  tx: Tx,
  bets: readonly { id: string; playerId: string; currency: string }[],
): Promise<void> {
  const terms = await termsOf(
    tx,
    bets.map((b) => b.id),
  );
  if (terms.size === 0) return;
  const grants: Map<string, Grant> = await grantsByIds(
    tx,
    [...terms.values()].map((t) => t.grant_id).filter((g): g is string => g !== null),
  );
  const transfers: Transfer[] = [];
  for (const t of terms.values()) {
    const currency = t.currency.trim();
    const cashId = await cashOf(tx, t.player_id);
    const house = await systemAccount(tx, 'house', currency);
    const reference = `promo:bet:${t.bet_id}:x`;
    if (t.free_bet_id) {
      transfers.push({
        debit: cashId,
        credit: house,
        amount: t.stake,
        currency,
        kind: 'promo_free_bet_reclaim',
        reference,
      });
      await reinstateFreeBet(tx, t.free_bet_id);
    }
    if (t.bonus_part > 0n && t.grant_id) {
      const grant = grants.get(t.grant_id);
      if (grant?.status === 'active') {
        const bonus = await bonusAccount(tx, t.player_id, currency);
        transfers.push({
          debit: cashId,
          credit: bonus.id,
          amount: t.bonus_part,
          currency,
          kind: 'promo_bonus_return',
          reference,
        });
      } else if (grant?.status === 'forfeited') {
        transfers.push({
          debit: cashId,
          credit: house,
          amount: t.bonus_part,
          currency,
          kind: 'promo_bonus_forfeit',
          reference,
        });
      }
    }
  }
  await post(tx, transfers);
}
