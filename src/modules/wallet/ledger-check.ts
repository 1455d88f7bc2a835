// The ledger invariant, checked from the data: per currency the balances of all accounts sum
// to zero, and every player account's running balance equals the sum of its transfers.
import type { Queryable } from '../../platform/db/db.ts';

export interface LedgerReport {
  ok: boolean;
  currencies: { currency: string; sum: string; accounts: number; transfers: number }[];
  /** Player accounts whose stored balance differs from the sum of their transfers. */
  drift: { accountId: string; ownerId: string; kind: string; balance: string; expected: string }[];
  /** Accounts that must not be negative but are (the constraint should make this impossible). */
  negative: { accountId: string; balance: string }[];
}

export async function checkLedger(q: Queryable): Promise<LedgerReport> {
  // Balance of every account as the transfers define it.
  const derived = `
    SELECT a.id, a.owner_id, a.kind, a.currency, a.balance AS stored,
           (COALESCE(c.total, 0) - COALESCE(d.total, 0))::bigint AS expected
    FROM wallet.accounts a
    LEFT JOIN (SELECT credit_account_id AS id, sum(amount) AS total FROM wallet.transfers GROUP BY 1) c ON c.id = a.id
    LEFT JOIN (SELECT debit_account_id AS id, sum(amount) AS total FROM wallet.transfers GROUP BY 1) d ON d.id = a.id`;
  const currencies = await q.query<{
    currency: string;
    sum: string;
    accounts: bigint;
    transfers: bigint;
  }>(
    `SELECT b.currency,
            sum(CASE WHEN b.owner_id IS NULL THEN b.expected ELSE b.stored END)::text AS sum,
            count(*) AS accounts,
            (SELECT count(*) FROM wallet.transfers t WHERE t.currency = b.currency) AS transfers
     FROM (${derived}) b GROUP BY b.currency ORDER BY b.currency`,
  );
  const drift = await q.query<{
    id: bigint;
    owner_id: string;
    kind: string;
    stored: bigint;
    expected: bigint;
  }>(
    `SELECT id, owner_id, kind, stored, expected FROM (${derived}) b
     WHERE owner_id IS NOT NULL AND stored <> expected ORDER BY id LIMIT 100`,
  );
  const negative = await q.query<{ id: bigint; balance: bigint }>(
    `SELECT id, balance FROM wallet.accounts WHERE owner_id IS NOT NULL AND balance < 0 ORDER BY id LIMIT 100`,
  );
  const report: LedgerReport = {
    ok: false,
    currencies: currencies.map((c) => ({
      currency: c.currency,
      sum: c.sum,
      accounts: Number(c.accounts),
      transfers: Number(c.transfers),
    })),
    drift: drift.map((d) => ({
      accountId: d.id.toString(),
      ownerId: d.owner_id,
      kind: d.kind,
      balance: d.stored.toString(),
      expected: d.expected.toString(),
    })),
    negative: negative.map((n) => ({ accountId: n.id.toString(), balance: n.balance.toString() })),
  };
  report.ok =
    report.currencies.every((c) => c.sum === '0') &&
    report.drift.length === 0 &&
    report.negative.length === 0;
  return report;
}
