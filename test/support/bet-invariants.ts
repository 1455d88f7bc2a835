// The money invariants of bets, recomputed from the business rows and compared with the
// ledger. The moves of a bet reference it: `bet:<id>` its stake, `bet:<id>:s<v>` settlement
// version v, `bet:<id>:r<v>` the reversal of version v (a resettlement), `bet:<id>:c<n>` cash
// out n, `bet:<id>:x` the stake returned to a rejected bet. Checked after every test:
//
// - the stake was taken once, from the player's cash to their held account;
// - a bet's moves touch only its player's cash and held accounts and the house;
// - in total, each bet moved out of cash exactly stake − (cash outs + payout), and holds
//   exactly its open stake while open or pending, nothing otherwise;
// - every settlement version and cash out moved exactly what its row says; a reversal is the
//   exact mirror of the version it reverses; only the bet's current version stands;
// - held balances equal the open stakes; liability equals a recomputation from the bets.
import { expect } from 'vitest';
import type { Queryable } from '../../src/platform/db/db.ts';

/** Bet moves with the bet they belong to and the part of the reference after the id. */
const MOVES = `
  SELECT substr(t.reference, 5, 36)::uuid AS bet_id, substr(t.reference, 41) AS suffix, t.*
  FROM wallet.transfers t
  WHERE t.reference ~ '^bet:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}(:|$)'`;

/** Per move, its effect on the bet's player's cash and held accounts. */
const EFFECTS = `
  SELECT m.bet_id, m.suffix, m.kind, m.amount, m.id,
         (CASE WHEN m.credit_account_id = c.id THEN m.amount ELSE 0 END
          - CASE WHEN m.debit_account_id = c.id THEN m.amount ELSE 0 END) AS cash,
         (CASE WHEN m.credit_account_id = h.id THEN m.amount ELSE 0 END
          - CASE WHEN m.debit_account_id = h.id THEN m.amount ELSE 0 END) AS held,
         (m.debit_account_id IN (c.id, h.id, x.id) AND m.credit_account_id IN (c.id, h.id, x.id)
          AND m.currency = b.currency) AS own_accounts
  FROM (${MOVES}) m
  JOIN betting.bets b ON b.id = m.bet_id
  LEFT JOIN wallet.accounts c ON c.owner_id = b.player_id AND c.kind = 'player_cash' AND c.currency = b.currency
  LEFT JOIN wallet.accounts h ON h.owner_id = b.player_id AND h.kind = 'player_bets_held' AND h.currency = b.currency
  LEFT JOIN wallet.accounts x ON x.owner_id IS NULL AND x.kind = 'house' AND x.currency = b.currency`;

export async function assertBetInvariants(db: Queryable): Promise<void> {
  const duplicated = await db.query(
    `SELECT reference, kind, count(*)::int AS n FROM wallet.transfers
     WHERE reference LIKE 'bet:%' GROUP BY reference, kind HAVING count(*) > 1`,
  );
  expect(duplicated, 'a bet with the same kind of transfer twice under one reference').toEqual([]);

  const orphans = await db.query(
    `SELECT m.reference FROM (${MOVES}) m LEFT JOIN betting.bets b ON b.id = m.bet_id WHERE b.id IS NULL`,
  );
  expect(orphans, 'bet moves of no bet').toEqual([]);

  const misfiled = await db.query(
    `SELECT reference, kind FROM (${MOVES}) m WHERE NOT (
       (m.suffix = '' AND m.kind = 'bet_stake')
       OR (m.suffix ~ '^:[sc][1-9][0-9]*$' AND m.kind IN ('bet_stake_return', 'bet_stake_lost', 'bet_winnings'))
       OR (m.suffix ~ '^:r[1-9][0-9]*$'
           AND m.kind IN ('bet_stake_return_reversal', 'bet_stake_lost_reversal', 'bet_winnings_reversal'))
       OR (m.suffix = ':x' AND m.kind = 'bet_stake_return'))`,
  );
  expect(misfiled, 'bet moves of an unknown kind for their reference').toEqual([]);

  const foreign = await db.query(
    `SELECT bet_id, suffix, kind FROM (${EFFECTS}) e WHERE NOT e.own_accounts`,
  );
  expect(foreign, "bet moves that touch accounts other than the player's and the house").toEqual(
    [],
  );

  // Grouped once rather than per bet: a bet's moves are found by their reference, which no
  // index serves, so a per-bet subquery reads every transfer for every bet.
  const stakeMismatch = await db.query(
    `SELECT b.id FROM betting.bets b
     LEFT JOIN (SELECT bet_id, count(*) AS n, sum(amount) AS amount, sum(cash) AS cash, sum(held) AS held
                FROM (${EFFECTS}) e WHERE e.suffix = '' GROUP BY bet_id) s ON s.bet_id = b.id
     WHERE COALESCE(s.n, 0) <> 1 OR s.amount <> b.stake OR s.cash <> -b.stake OR s.held <> b.stake`,
  );
  expect(stakeMismatch, 'bets whose stake was not taken exactly once, cash → held').toEqual([]);

  const totals = await db.query(
    `SELECT b.id, b.status, b.stake::text, b.payout::text, b.cashed_out_value::text, n.cash::text, n.held::text
     FROM betting.bets b
     JOIN (SELECT bet_id, sum(cash) AS cash, sum(held) AS held FROM (${EFFECTS}) e GROUP BY bet_id) n
       ON n.bet_id = b.id
     WHERE n.cash <> -b.stake + b.cashed_out_value + COALESCE(b.payout, 0)
        OR n.held <> CASE WHEN b.status IN ('open', 'pending') THEN b.stake - b.cashed_out_stake ELSE 0 END`,
  );
  expect(totals, 'bets whose moves in total differ from their stake, cash outs and payout').toEqual(
    [],
  );

  const parts = await db.query(
    `WITH moves AS (
       SELECT bet_id, suffix, sum(cash) AS cash, sum(held) AS held FROM (${EFFECTS}) e
       WHERE suffix <> '' GROUP BY bet_id, suffix
     ), expected AS (
       SELECT bet_id, ':s' || version AS suffix, payout AS cash, -open_stake AS held FROM betting.settlements
       UNION ALL
       SELECT bet_id, ':r' || version, -payout, open_stake FROM betting.settlements WHERE reversed_at IS NOT NULL
       UNION ALL
       SELECT bet_id, ':c' || seq, value, -stake FROM betting.cash_outs
       UNION ALL
       SELECT id, ':x', stake, -stake FROM betting.bets WHERE status = 'rejected'
     )
     SELECT COALESCE(m.bet_id, e.bet_id) AS bet_id, COALESCE(m.suffix, e.suffix) AS suffix,
            m.cash::text AS moved_cash, e.cash::text AS expected_cash, m.held::text AS moved_held,
            e.held::text AS expected_held
     FROM moves m FULL JOIN expected e ON e.bet_id = m.bet_id AND e.suffix = m.suffix
     WHERE m.cash IS DISTINCT FROM e.cash OR m.held IS DISTINCT FROM e.held`,
  );
  // A settlement of nothing (all of it cashed out) moves nothing; none is ever recorded.
  expect(
    parts,
    'settlements, reversals, cash outs or rejections that moved other than recorded',
  ).toEqual([]);

  const versions = await db.query(
    `SELECT b.id, b.status, b.settlement_version, s.version, s.status AS s_status, s.payout::text,
            b.payout::text AS bet_payout, s.reversed_at
     FROM betting.bets b JOIN betting.settlements s ON s.bet_id = b.id
     WHERE CASE WHEN b.status IN ('won', 'lost', 'void') AND s.version = b.settlement_version
                THEN s.reversed_at IS NOT NULL OR s.status <> b.status OR s.payout <> b.payout
                ELSE s.reversed_at IS NULL OR s.version > b.settlement_version END`,
  );
  expect(versions, 'settlement versions other than the current one left standing').toEqual([]);

  const unrecorded = await db.query(
    `SELECT b.id FROM betting.bets b WHERE b.status IN ('won', 'lost', 'void')
       AND NOT EXISTS (SELECT 1 FROM betting.settlements s WHERE s.bet_id = b.id AND s.version = b.settlement_version)`,
  );
  expect(unrecorded, 'settled bets without their settlement row').toEqual([]);

  const cashOuts = await db.query(
    `SELECT b.id FROM betting.bets b
     LEFT JOIN (SELECT bet_id, sum(stake) AS stake, sum(value) AS value FROM betting.cash_outs GROUP BY bet_id) c
       ON c.bet_id = b.id
     WHERE COALESCE(c.stake, 0) <> b.cashed_out_stake OR COALESCE(c.value, 0) <> b.cashed_out_value
        OR (b.status = 'cashed_out') <> (b.cashed_out_stake = b.stake)`,
  );
  expect(cashOuts, 'bets whose cash outs differ from their cash-out rows').toEqual([]);

  const heldWrong = await db.query(
    `SELECT a.owner_id, a.balance::text FROM wallet.accounts a
     WHERE a.kind = 'player_bets_held'
       AND a.balance <> (SELECT COALESCE(sum(stake - cashed_out_stake), 0) FROM betting.bets
                         WHERE player_id = a.owner_id AND currency = a.currency AND status IN ('open', 'pending'))`,
  );
  expect(heldWrong, 'held balances that differ from open stakes').toEqual([]);

  const betLiability = await db.query(
    `SELECT id, status, liability::text FROM betting.bets
     WHERE liability <> CASE WHEN status IN ('open', 'pending')
       THEN greatest(potential_payout * (stake - cashed_out_stake) / stake - (stake - cashed_out_stake), 0)
       ELSE 0 END`,
  );
  expect(betLiability, 'bets whose liability is not their potential net loss').toEqual([]);

  const liability = await db.query(
    `WITH expected AS (
       SELECT 'selection' AS scope, k.id, sum(b.liability) AS exposure FROM betting.bets b
       JOIN (SELECT DISTINCT bet_id, selection_id AS id FROM betting.bet_legs) k ON k.bet_id = b.id
       WHERE b.status IN ('open', 'pending') GROUP BY k.id
       UNION ALL
       SELECT 'market', k.id, sum(b.liability) FROM betting.bets b
       JOIN (SELECT DISTINCT bet_id, market_id AS id FROM betting.bet_legs) k ON k.bet_id = b.id
       WHERE b.status IN ('open', 'pending') GROUP BY k.id
     ), kept AS (
       SELECT scope, id, sum(exposure) AS exposure FROM betting.liability GROUP BY scope, id
     )
     SELECT COALESCE(k.scope, e.scope) AS scope, COALESCE(k.id, e.id) AS id, k.exposure::text AS kept,
            e.exposure::text AS expected
     FROM kept k FULL JOIN expected e ON e.scope = k.scope AND e.id = k.id
     WHERE COALESCE(k.exposure, 0) <> COALESCE(e.exposure, 0)`,
  );
  expect(liability, 'liability that differs from a recomputation from the open bets').toEqual([]);
}
