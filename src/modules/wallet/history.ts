import { invalidCursor } from '../../platform/cursor.ts';
import type { Queryable } from '../../platform/db/db.ts';
import { type PlayerAccounts, readAccountsOf, readPlayerAccounts } from './accounts.ts';

export interface WalletView {
  currency: string;
  /** Cash the player can bet or withdraw. */
  balance: string;
  /** Stakes of open bets. */
  inBets: string;
}

const viewOf = (accounts: PlayerAccounts): WalletView => ({
  currency: accounts.currency,
  balance: accounts.cash.balance.toString(),
  inBets: accounts.held.balance.toString(),
});

export async function getWallet(q: Queryable, ownerId: string): Promise<WalletView> {
  return viewOf(await readPlayerAccounts(q, ownerId));
}

/** `getWallet` of many players in one query: those that have a wallet, by player. */
export async function getWallets(
  q: Queryable,
  ownerIds: readonly string[],
): Promise<Map<string, WalletView>> {
  const accounts = await readAccountsOf(q, ownerIds);
  return new Map([...accounts].map(([owner, a]) => [owner, viewOf(a)]));
}

export interface TransactionView {
  id: string;
  kind: string;
  /** Signed change of the cash balance: "-500" for a 5.00 stake. */
  amount: string;
  currency: string;
  reference: string;
  createdAt: string;
}

export interface Page<T> {
  items: T[];
  /** Pass as `cursor` for the next (older) page; null on the last page. */
  nextCursor: string | null;
}

const MAX_BIGINT = 2n ** 63n - 1n;

/** Movements of the player's cash account, newest first, paginated by transfer id. */
export async function listTransactions(
  q: Queryable,
  ownerId: string,
  options: { limit: number; cursor?: string | undefined },
): Promise<Page<TransactionView>> {
  let before: bigint | null = null;
  if (options.cursor !== undefined) {
    const decoded = Buffer.from(options.cursor, 'base64url').toString('utf8');
    if (!/^t:[1-9]\d{0,18}$/.test(decoded)) throw invalidCursor();
    before = BigInt(decoded.slice(2));
    // 19 digits may exceed bigint; the database would refuse it with a 500.
    if (before > MAX_BIGINT) throw invalidCursor();
  }
  const accounts = await readPlayerAccounts(q, ownerId);
  const cash = accounts.cash.id;
  // Two index range scans (debit side, credit side) merged, rather than an OR over both.
  const rows = await q.query<{
    id: bigint;
    kind: string;
    amount: bigint;
    currency: string;
    reference: string;
    created_at: Date;
  }>(
    `SELECT * FROM (
       (SELECT id, kind, -amount AS amount, currency, reference, created_at FROM wallet.transfers
        WHERE debit_account_id = $1 AND ($2::bigint IS NULL OR id < $2) ORDER BY id DESC LIMIT $3)
       UNION ALL
       (SELECT id, kind, amount, currency, reference, created_at FROM wallet.transfers
        WHERE credit_account_id = $1 AND ($2::bigint IS NULL OR id < $2) ORDER BY id DESC LIMIT $3)
     ) t ORDER BY id DESC LIMIT $3`,
    [cash, before, options.limit + 1],
  );
  const page = rows.slice(0, options.limit);
  const last = page.at(-1);
  return {
    items: page.map((r) => ({
      id: r.id.toString(),
      kind: r.kind,
      amount: r.amount.toString(),
      currency: r.currency,
      reference: r.reference,
      createdAt: r.created_at.toISOString(),
    })),
    nextCursor:
      rows.length > options.limit && last
        ? Buffer.from(`t:${last.id}`).toString('base64url')
        : null,
  };
}
