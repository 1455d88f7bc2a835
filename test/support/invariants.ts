// Money invariants, checked after every test that can move money: the ledger sums to zero
// per currency with no drift and no negative player balance; every bet's stake was taken
// exactly once; every settled bet was paid exactly its payout, once (cash outs, resettlements
// and rejected in-play bets included); open and pending bets hold exactly their open stakes;
// liability equals a recomputation from the bets (see bet-invariants.ts).
import { expect } from 'vitest';
import { checkLedger } from '../../src/modules/wallet/index.ts';
import type { Queryable } from '../../src/platform/db/db.ts';
import { assertBetInvariants } from './bet-invariants.ts';
import { assertPromotionInvariants } from './promotion-invariants.ts';

export async function assertMoneyInvariants(db: Queryable): Promise<void> {
  const ledger = await checkLedger(db);
  expect(ledger.drift, 'balances that differ from their transfers').toEqual([]);
  expect(ledger.negative, 'negative player balances').toEqual([]);
  for (const currency of ledger.currencies)
    expect(currency.sum, `ledger sum in ${currency.currency}`).toBe('0');
  expect(ledger.ok).toBe(true);

  // Every bet's moves against its stake, settlements, reversals, cash outs and liability.
  await assertBetInvariants(db);
  // Bonus accounts, promotional stakes and free-bet payouts against their rows.
  await assertPromotionInvariants(db);
}
