-- pgbench baseline: the transaction shape of a bet placement, with nothing else — lock the
-- player's two wallet accounts, debit cash and credit held, insert the bet, its leg and its
-- ledger transfer. It runs on copies of the bench's tables (schema bench_baseline, same
-- columns, constraints, indexes and foreign keys, same 100k players) in the same PostgreSQL.
--   pgbench -n -M prepared -D players=100000 -f bench/baselines/placement.sql
\set n random(1, :players)
\set stake 100 * random(1, 5)
BEGIN;
SELECT id, kind, balance FROM bench_baseline.accounts WHERE owner_id = md5('p' || :n)::uuid ORDER BY id FOR UPDATE;
UPDATE bench_baseline.accounts
   SET balance = balance + CASE WHEN kind = 'player_cash' THEN -(:stake)::bigint ELSE (:stake)::bigint END
 WHERE owner_id = md5('p' || :n)::uuid;
WITH bet AS (
  INSERT INTO bench_baseline.bets (id, player_id, kind, currency, stake, stake_per_line, potential_payout,
                                   liability, accept_price_changes)
  VALUES (gen_random_uuid(), md5('p' || :n)::uuid, 'single', 'EUR', :stake, :stake, :stake * 2, :stake, 'none')
  RETURNING id, player_id
), leg AS (
  INSERT INTO bench_baseline.bet_legs (bet_id, leg_no, event_id, market_id, selection_id, price, requested_price,
                                       event_name, market_name, selection_name, market_type)
  SELECT id, 1, md5('e3')::uuid, md5('m3-0')::uuid, md5('x3-0-1')::uuid, 2000, 2000,
         'Home 3 v Away 3', 'Match result', 'Home', 'match_result' FROM bet
)
INSERT INTO bench_baseline.transfers (debit_account_id, credit_account_id, amount, currency, kind, reference)
SELECT c.id, h.id, :stake, 'EUR', 'bet_stake', 'bet:' || bet.id
  FROM bet
  JOIN bench_baseline.accounts c ON c.owner_id = bet.player_id AND c.kind = 'player_cash'
  JOIN bench_baseline.accounts h ON h.owner_id = bet.player_id AND h.kind = 'player_bets_held';
END;
