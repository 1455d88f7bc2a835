// Bonus funds with a wagering requirement. A grant credits the player's bonus account from the
// house; qualifying settled bets count their stake towards `amount × multiplier`; when the
// requirement is met the whole bonus balance moves to cash (released), and on expiry — or on
// a paid-out withdrawal, if the grant says so — it goes back to the house (forfeited). A player
// has at most one active grant per currency, so while it is active their bonus account holds
// exactly its funds.
import { v7 as uuidv7 } from 'uuid';
import type { Db, Queryable, Tx } from '../../platform/db/db.ts';
import type { Consumer } from '../../platform/events/bus.ts';
import { emit } from '../../platform/events/outbox.ts';
import { bonusAccount, lockPlayerAccounts, post, systemAccount } from '../wallet/index.ts';
import { bonusAlreadyActive } from './errors.ts';

export interface Grant {
  id: string;
  playerId: string;
  currency: string;
  amount: bigint;
  wageringRequired: bigint;
  wagered: bigint;
  minOdds: number | null;
  expiresAt: Date;
  forfeitOnWithdrawal: boolean;
  status: 'active' | 'released' | 'forfeited';
  closedAmount: bigint | null;
  closedReason: string | null;
  source: string;
  createdAt: Date;
  closedAt: Date | null;
}

interface Row {
  id: string;
  player_id: string;
  currency: string;
  amount: bigint;
  wagering_required: bigint;
  wagered: bigint;
  min_odds: number | null;
  expires_at: Date;
  forfeit_on_withdrawal: boolean;
  status: Grant['status'];
  closed_amount: bigint | null;
  closed_reason: string | null;
  source: string;
  created_at: Date;
  closed_at: Date | null;
}

const COLUMNS = `id, player_id, currency, amount, wagering_required, wagered, min_odds, expires_at,
  forfeit_on_withdrawal, status, closed_amount, closed_reason, source, created_at, closed_at`;

export const toGrant = (r: Row): Grant => ({
  id: r.id,
  playerId: r.player_id,
  currency: r.currency.trim(),
  amount: r.amount,
  wageringRequired: r.wagering_required,
  wagered: r.wagered,
  minOdds: r.min_odds,
  expiresAt: r.expires_at,
  forfeitOnWithdrawal: r.forfeit_on_withdrawal,
  status: r.status,
  closedAmount: r.closed_amount,
  closedReason: r.closed_reason,
  source: r.source,
  createdAt: r.created_at,
  closedAt: r.closed_at,
});

/** Active grants of these players, locked (the caller holds the players' account locks). */
export async function lockActiveGrants(
  tx: Tx,
  playerIds: readonly string[],
): Promise<Map<string, Grant>> {
  const rows = await tx.query<Row>(
    `SELECT ${COLUMNS} FROM promotions.bonus_grants
     WHERE player_id = ANY($1::uuid[]) AND status = 'active' ORDER BY id FOR UPDATE`,
    [playerIds],
  );
  return new Map(rows.map((r) => [`${r.player_id}:${r.currency.trim()}`, toGrant(r)]));
}

export async function grantsByIds(
  q: Queryable,
  ids: readonly string[],
): Promise<Map<string, Grant>> {
  if (ids.length === 0) return new Map();
  const rows = await q.query<Row>(
    `SELECT ${COLUMNS} FROM promotions.bonus_grants WHERE id = ANY($1::uuid[])`,
    [ids],
  );
  return new Map(rows.map((r) => [r.id, toGrant(r)]));
}

export async function listGrants(q: Queryable, playerId: string): Promise<Grant[]> {
  const rows = await q.query<Row>(
    `SELECT ${COLUMNS} FROM promotions.bonus_grants WHERE player_id = $1
     ORDER BY created_at DESC, id DESC LIMIT 100`,
    [playerId],
  );
  return rows.map(toGrant);
}

export interface NewGrant {
  playerId: string;
  currency: string;
  amount: bigint;
  wageringMultiplier: number;
  minOdds: number | null;
  expiryDays: number;
  forfeitOnWithdrawal: boolean;
  source: string;
}

/**
 * Grants bonus funds: house → the player's bonus account. The caller has locked the player's
 * accounts. A requirement of zero releases the funds to cash at once.
 */
export async function grantBonus(tx: Tx, input: NewGrant): Promise<Grant> {
  const active = await lockActiveGrants(tx, [input.playerId]);
  if (active.has(`${input.playerId}:${input.currency}`)) throw bonusAlreadyActive();
  const id = uuidv7();
  const [row] = await tx.query<Row>(
    `INSERT INTO promotions.bonus_grants (id, player_id, currency, amount, wagering_required, min_odds, expires_at,
       forfeit_on_withdrawal, source)
     VALUES ($1, $2, $3, $4, $5, $6, now() + make_interval(days => $7), $8, $9)
     RETURNING ${COLUMNS}`,
    [
      id,
      input.playerId,
      input.currency,
      input.amount,
      input.amount * BigInt(input.wageringMultiplier),
      input.minOdds,
      input.expiryDays,
      input.forfeitOnWithdrawal,
      input.source,
    ],
  );
  const bonus = await bonusAccount(tx, input.playerId, input.currency);
  const house = await systemAccount(tx, 'house', input.currency);
  await post(tx, [
    {
      debit: house,
      credit: bonus.id,
      amount: input.amount,
      currency: input.currency,
      kind: 'promo_bonus_award',
      reference: `promo:grant:${id}`,
    },
  ]);
  const grant = toGrant(row!);
  if (grant.wageringRequired === 0n) return closeGrant(tx, grant, 'released', 'no wagering');
  return grant;
}

/**
 * Closes an active grant: its bonus balance goes to cash (released) or to the house
 * (forfeited). The caller has locked the player's accounts.
 */
export async function closeGrant(
  tx: Tx,
  grant: Grant,
  status: 'released' | 'forfeited',
  reason: string,
): Promise<Grant> {
  const accounts = await lockPlayerAccounts(tx, grant.playerId);
  const bonus = await bonusAccount(tx, grant.playerId, grant.currency);
  const house = await systemAccount(tx, 'house', grant.currency);
  await post(tx, [
    status === 'released'
      ? {
          debit: bonus.id,
          credit: accounts.cash.id,
          amount: bonus.balance,
          currency: grant.currency,
          kind: 'promo_bonus_release',
          reference: `promo:grant:${grant.id}:close`,
        }
      : {
          debit: bonus.id,
          credit: house,
          amount: bonus.balance,
          currency: grant.currency,
          kind: 'promo_bonus_forfeit',
          reference: `promo:grant:${grant.id}:close`,
        },
  ]);
  const [row] = await tx.query<Row>(
    `UPDATE promotions.bonus_grants SET status = $2, closed_amount = $3, closed_reason = $4, closed_at = now()
     WHERE id = $1 AND status = 'active' RETURNING ${COLUMNS}`,
    [grant.id, status, bonus.balance, reason],
  );
  if (!row) throw new Error(`grant ${grant.id} changed under its lock`);
  await emit(tx, {
    type: status === 'released' ? 'promotions.bonus.released' : 'promotions.bonus.forfeited',
    aggregateId: grant.id,
    payload: {
      grantId: grant.id,
      playerId: grant.playerId,
      amount: bonus.balance.toString(),
      currency: grant.currency,
      reason,
    },
  });
  return toGrant(row);
}

/** Forfeits the player's active grant (staff, or the player giving it up). */
export async function forfeitActiveGrant(
  tx: Tx,
  playerId: string,
  currency: string,
  reason: string,
): Promise<Grant | undefined> {
  await lockPlayerAccounts(tx, playerId);
  const grant = (await lockActiveGrants(tx, [playerId])).get(`${playerId}:${currency}`);
  if (!grant) return undefined;
  return closeGrant(tx, grant, 'forfeited', reason);
}

/** Forfeits every active grant past its expiry, one transaction each; returns how many. */
export async function expireGrants(db: Db, limit = 500): Promise<number> {
  const due = await db.query<{ id: string; player_id: string }>(
    `SELECT id, player_id FROM promotions.bonus_grants
     WHERE status = 'active' AND expires_at <= now() ORDER BY expires_at LIMIT $1`,
    [limit],
  );
  let done = 0;
  for (const { id, player_id } of due) {
    const closed = await db.transaction(async (tx) => {
      await lockPlayerAccounts(tx, player_id);
      const [row] = await tx.query<Row>(
        `SELECT ${COLUMNS} FROM promotions.bonus_grants
         WHERE id = $1 AND status = 'active' AND expires_at <= now() FOR UPDATE`,
        [id],
      );
      if (!row) return false;
      await closeGrant(tx, toGrant(row), 'forfeited', 'expired');
      return true;
    });
    if (closed) done += 1;
  }
  return done;
}

/**
 * A paid-out withdrawal forfeits the player's active grant when its terms say so (the funds
 * were granted to be played, not to be withdrawn alongside cash).
 */
export const forfeitOnWithdrawal: Consumer = {
  name: 'promotions.forfeit-on-withdrawal',
  types: ['wallet.withdrawal.completed'],
  async handle(tx, event) {
    const p = event.payload as { ownerId?: unknown; currency?: unknown; createdAt?: unknown };
    if (typeof p.ownerId !== 'string' || typeof p.currency !== 'string') return;
    await lockPlayerAccounts(tx, p.ownerId);
    const grant = (await lockActiveGrants(tx, [p.ownerId])).get(`${p.ownerId}:${p.currency}`);
    if (!grant?.forfeitOnWithdrawal) return;
    // A grant taken after the withdrawal was requested is not the one it withdraws from.
    if (typeof p.createdAt === 'string' && grant.createdAt > new Date(p.createdAt)) return;
    await closeGrant(tx, grant, 'forfeited', 'withdrawal');
  },
};
