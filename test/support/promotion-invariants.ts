// The money invariants of promotions, recomputed from their rows and compared with the ledger:
//
// - bonus funds sit in a player's bonus account only while they have an active grant;
// - every grant was credited exactly its amount, once, from the house;
// - a free bet's stake and a bonus part were moved into cash once, exactly, at placement;
// - a free bet never pays its stake: its cash effect (the bet's moves and promotions') is
//   max(payout − stake, 0) once settled, and nothing while open, void or rejected;
// - loyalty balances are the sum of their entries.
import { expect } from 'vitest';
import type { Queryable } from '../../src/platform/db/db.ts';

/** Per reference, its effect on the bet's player's cash account. */
const CASH_EFFECT = `
  SELECT COALESCE(sum(CASE WHEN t.credit_account_id = c.id THEN t.amount ELSE 0 END
                    - CASE WHEN t.debit_account_id = c.id THEN t.amount ELSE 0 END), 0) AS net
  FROM wallet.transfers t
  WHERE (t.reference = 'bet:' || bt.bet_id OR t.reference LIKE 'bet:' || bt.bet_id || ':%'
         OR t.reference = 'promo:bet:' || bt.bet_id OR t.reference LIKE 'promo:bet:' || bt.bet_id || ':%')
    AND (t.credit_account_id = c.id OR t.debit_account_id = c.id)`;

export async function assertPromotionInvariants(db: Queryable): Promise<void> {
  const stray = await db.query(
    `SELECT a.owner_id, a.currency, a.balance::text FROM wallet.accounts a
     WHERE a.kind = 'player_bonus' AND a.balance <> 0
       AND NOT EXISTS (SELECT 1 FROM promotions.bonus_grants g
                       WHERE g.player_id = a.owner_id AND g.currency = a.currency AND g.status = 'active')`,
  );
  expect(stray, 'bonus funds without an active grant').toEqual([]);

  const granted = await db.query(
    `SELECT g.id FROM promotions.bonus_grants g
     LEFT JOIN LATERAL (SELECT count(*) AS n, sum(amount) AS amount FROM wallet.transfers t
                        WHERE t.reference = 'promo:grant:' || g.id AND t.kind = 'promo_bonus_award') m ON true
     WHERE m.n <> 1 OR m.amount <> g.amount`,
  );
  expect(granted, 'grants not credited exactly their amount, once').toEqual([]);

  const funded = await db.query(
    `SELECT bt.bet_id FROM promotions.bet_terms bt
     LEFT JOIN LATERAL (
       SELECT count(*) FILTER (WHERE kind = 'promo_free_bet_stake') AS free_n,
              COALESCE(sum(amount) FILTER (WHERE kind = 'promo_free_bet_stake'), 0) AS free_amount,
              count(*) FILTER (WHERE kind = 'promo_bonus_stake') AS bonus_n,
              COALESCE(sum(amount) FILTER (WHERE kind = 'promo_bonus_stake'), 0) AS bonus_amount
       FROM wallet.transfers t WHERE t.reference = 'promo:bet:' || bt.bet_id) m ON true
     WHERE m.free_n <> (bt.free_bet_id IS NOT NULL)::int
        OR m.free_amount <> CASE WHEN bt.free_bet_id IS NOT NULL THEN bt.stake ELSE 0 END
        OR m.bonus_n <> (bt.bonus_part > 0)::int OR m.bonus_amount <> bt.bonus_part`,
  );
  expect(funded, 'promotional stakes not funded exactly once').toEqual([]);

  const freeBets = await db.query(
    `SELECT bt.bet_id, b.status, b.stake::text, b.payout::text, e.net::text
     FROM promotions.bet_terms bt
     JOIN betting.bets b ON b.id = bt.bet_id
     JOIN wallet.accounts c ON c.owner_id = b.player_id AND c.kind = 'player_cash' AND c.currency = b.currency
     CROSS JOIN LATERAL (${CASH_EFFECT}) e
     WHERE bt.free_bet_id IS NOT NULL
       AND e.net <> CASE WHEN b.status IN ('won', 'lost') THEN greatest(b.payout - b.stake, 0) ELSE 0 END`,
  );
  expect(freeBets, 'free bets whose cash effect is not their winnings without the stake').toEqual(
    [],
  );

  const points = await db.query(
    `SELECT a.player_id FROM promotions.loyalty_accounts a
     LEFT JOIN (SELECT player_id, sum(points) AS balance, sum(greatest(points, 0)) AS lifetime
                FROM promotions.loyalty_entries GROUP BY player_id) e ON e.player_id = a.player_id
     WHERE a.balance <> COALESCE(e.balance, 0) OR a.lifetime <> COALESCE(e.lifetime, 0)`,
  );
  expect(points, 'loyalty balances that differ from their entries').toEqual([]);
}
