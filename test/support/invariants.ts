// Money invariants, checked after every test that can move money: the ledger sums to zero
// per currency with no drift and no negative player balance; every bet's stake was taken
// exactly once; every settled bet was paid exactly its payout, once; open bets hold exactly
// their stakes.
import { expect } from 'vitest';
import { checkLedger } from '../../src/modules/wallet/index.ts';
import type { Queryable } from '../../src/platform/db/db.ts';

export async function assertMoneyInvariants(db: Queryable): Promise<void> {
  const ledger = await checkLedger(db);
  expect(ledger.drift, 'balances that differ from their transfers').toEqual([]);
  expect(ledger.negative, 'negative player balances').toEqual([]);
  for (const currency of ledger.currencies)
    expect(currency.sum, `ledger sum in ${currency.currency}`).toBe('0');
  expect(ledger.ok).toBe(true);

  const duplicated = await db.query(
    `SELECT reference, kind, count(*)::int AS n FROM wallet.transfers
     WHERE reference LIKE 'bet:%' GROUP BY reference, kind HAVING count(*) > 1`,
  );
  expect(duplicated, 'a bet with the same kind of transfer twice').toEqual([]);

  const stakeMismatch = await db.query(
    `SELECT b.id FROM betting.bets b
     LEFT JOIN wallet.transfers t ON t.reference = 'bet:' || b.id AND t.kind = 'bet_stake'
     WHERE t.amount IS DISTINCT FROM b.stake`,
  );
  expect(stakeMismatch, 'bets whose stake was not taken exactly once').toEqual([]);

  const paidWrong = await db.query(
    `SELECT b.id, b.status, b.payout::text, m.paid::text, m.moves FROM betting.bets b
     CROSS JOIN LATERAL (
       SELECT COALESCE(sum(amount) FILTER (WHERE kind IN ('bet_stake_return', 'bet_winnings')), 0) AS paid,
              count(*) FILTER (WHERE kind <> 'bet_stake')::int AS moves
       FROM wallet.transfers WHERE reference = 'bet:' || b.id) m
     WHERE (b.status = 'open' AND m.moves > 0) OR (b.status <> 'open' AND m.paid <> b.payout)`,
  );
  expect(paidWrong, 'bets paid other than their payout').toEqual([]);

  const heldWrong = await db.query(
    `SELECT a.owner_id, a.balance::text FROM wallet.accounts a
     WHERE a.kind = 'player_bets_held'
       AND a.balance <> (SELECT COALESCE(sum(stake), 0) FROM betting.bets WHERE player_id = a.owner_id AND status = 'open')`,
  );
  expect(heldWrong, 'held balances that differ from open stakes').toEqual([]);
}
