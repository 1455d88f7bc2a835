import type { Queryable, Tx } from '../../platform/db/db.ts';
import { walletNotFound } from './errors.ts';

export interface PlayerAccounts {
  currency: string;
  cash: { id: bigint; balance: bigint };
  held: { id: bigint; balance: bigint };
}

/** Opens a player's cash account and the account that holds their open stakes. */
export async function openPlayerAccounts(tx: Tx, ownerId: string, currency: string): Promise<void> {
  await tx.query(
    `INSERT INTO wallet.accounts (owner_id, kind, currency)
     VALUES ($1, 'player_cash', $2), ($1, 'player_bets_held', $2)`,
    [ownerId, currency],
  );
}

export interface AccountRow {
  id: bigint;
  kind: string;
  currency: string;
  balance: bigint;
}

/** A player's accounts from their rows; undefined when they have no wallet. */
function pairOf(rows: readonly AccountRow[]): PlayerAccounts | undefined {
  const cash = rows.find((r) => r.kind === 'player_cash');
  const held = rows.find((r) => r.kind === 'player_bets_held');
  if (!cash || !held) return undefined;
  return {
    currency: cash.currency,
    cash: { id: cash.id, balance: cash.balance },
    held: { id: held.id, balance: held.balance },
  };
}

/** A player's accounts from their rows (`lockPlayerAccountsSql`); no wallet is an error. */
export function toPlayerAccounts(rows: readonly AccountRow[]): PlayerAccounts {
  const accounts = pairOf(rows);
  if (!accounts) throw walletNotFound();
  return accounts;
}

/** Many players' account rows, by owner. */
function byOwner(rows: readonly (AccountRow & { owner_id: string })[]): Map<string, AccountRow[]> {
  const owners = new Map<string, AccountRow[]>();
  for (const row of rows) {
    const list = owners.get(row.owner_id) ?? [];
    list.push(row);
    owners.set(row.owner_id, list);
  }
  return owners;
}

/** Reads many players' accounts without locking: those that have a wallet, by player. */
export async function readAccountsOf(
  q: Queryable,
  ownerIds: readonly string[],
): Promise<Map<string, PlayerAccounts>> {
  const rows = await q.query<AccountRow & { owner_id: string }>(
    `SELECT id, owner_id, kind, currency, balance FROM wallet.accounts
     WHERE owner_id = ANY($1::uuid[]) AND kind IN ('player_cash', 'player_bets_held')`,
    [ownerIds],
  );
  const wallets = new Map<string, PlayerAccounts>();
  for (const [owner, list] of byOwner(rows)) {
    const accounts = pairOf(list);
    if (accounts) wallets.set(owner, accounts);
  }
  return wallets;
}

/** Reads a player's accounts without locking (for display). */
export async function readPlayerAccounts(q: Queryable, ownerId: string): Promise<PlayerAccounts> {
  const rows = await q.query<AccountRow>(
    'SELECT id, kind, currency, balance FROM wallet.accounts WHERE owner_id = $1 ORDER BY id',
    [ownerId],
  );
  return toPlayerAccounts(rows);
}

/**
 * Locks a player's accounts (ascending id, the order every transaction uses) and returns
 * their balances as of the lock. Concurrent money moves of one player queue here.
 */
export async function lockPlayerAccounts(tx: Tx, ownerId: string): Promise<PlayerAccounts> {
  const rows = await tx.query<AccountRow>(lockPlayerAccountsSql('$1'), [ownerId]);
  return toPlayerAccounts(rows);
}

/**
 * The query of `lockPlayerAccounts` (rows as `AccountRow`), to run inside a caller's own
 * statement; `owner` is the placeholder of the player's id.
 */
export function lockPlayerAccountsSql(owner: string): string {
  return `SELECT id, kind, currency, balance FROM wallet.accounts WHERE owner_id = ${owner} ORDER BY id FOR UPDATE`;
}

/** Locks the accounts of many players at once, in ascending id (settlement batches). */
export async function lockAccountsOf(
  tx: Tx,
  ownerIds: readonly string[],
): Promise<Map<string, PlayerAccounts>> {
  const rows = await tx.query<AccountRow & { owner_id: string }>(
    `SELECT id, owner_id, kind, currency, balance FROM wallet.accounts
     WHERE owner_id = ANY($1::uuid[]) ORDER BY id FOR UPDATE`,
    [ownerIds],
  );
  return new Map([...byOwner(rows)].map(([owner, list]) => [owner, toPlayerAccounts(list)]));
}

export type SystemAccountKind = 'house' | 'psp_clearing';

/** The id of a system account, created on first use. */
export async function systemAccount(
  tx: Tx,
  kind: SystemAccountKind,
  currency: string,
): Promise<bigint> {
  const select =
    'SELECT id FROM wallet.accounts WHERE owner_id IS NULL AND kind = $1 AND currency = $2';
  let [row] = await tx.query<{ id: bigint }>(select, [kind, currency]);
  if (!row) {
    await tx.query(
      `INSERT INTO wallet.accounts (kind, currency) VALUES ($1, $2)
       ON CONFLICT (kind, currency) WHERE owner_id IS NULL DO NOTHING`,
      [kind, currency],
    );
    [row] = await tx.query<{ id: bigint }>(select, [kind, currency]);
  }
  if (!row) throw new Error(`system account ${kind}/${currency} could not be created`);
  return row.id;
}

/**
 * A player's bonus account in `currency` (promotions), created on first use. The caller has
 * locked the player's accounts (`lockPlayerAccounts`), so the row is theirs to change.
 */
export async function bonusAccount(
  tx: Tx,
  ownerId: string,
  currency: string,
): Promise<{ id: bigint; balance: bigint }> {
  await tx.query(
    `INSERT INTO wallet.accounts (owner_id, kind, currency) VALUES ($1, 'player_bonus', $2)
     ON CONFLICT (owner_id, kind, currency) WHERE owner_id IS NOT NULL DO NOTHING`,
    [ownerId, currency],
  );
  const [row] = await tx.query<{ id: bigint; balance: bigint }>(
    `SELECT id, balance FROM wallet.accounts
     WHERE owner_id = $1 AND kind = 'player_bonus' AND currency = $2 FOR UPDATE`,
    [ownerId, currency],
  );
  if (!row) throw walletNotFound();
  return row;
}

/** A player's bonus balance in `currency` (0 without a bonus account), for display. */
export async function bonusBalance(
  q: Queryable,
  ownerId: string,
  currency: string,
): Promise<bigint> {
  const [row] = await q.query<{ balance: bigint }>(
    `SELECT balance FROM wallet.accounts WHERE owner_id = $1 AND kind = 'player_bonus' AND currency = $2`,
    [ownerId, currency],
  );
  return row?.balance ?? 0n;
}
