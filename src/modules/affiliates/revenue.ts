// Net gaming revenue per player, computed from the ledger (docs/affiliates.md):
//   stakes      settled stakes: stakes the house kept plus stakes returned, net of reversals;
//   returns     what settled bets paid back: stakes returned plus winnings, net of reversals;
//   GGR         stakes − returns (= kept stakes − winnings);
//   bonus costs everything else the operator gave the player and did not take back through
//               bets: any transfer between the player's accounts and an operator account other
//               than payment clearing, of a kind that is not a bet settlement (bonus awards,
//               free-bet winnings, loyalty redemptions, minus forfeits);
//   fees        the plan's admin fee: admin_fee_bps of a positive GGR, rounded down;
//   NGR         GGR − bonus costs − fees.
// Deposits and withdrawals (transfers with payment clearing) are never revenue. Moves between
// the player's own accounts (a stake being held) are neither.
import type { Queryable } from '../../platform/db/db.ts';

export interface PlayerRevenue {
  playerId: string;
  /** Stakes placed in the period (turnover; informative, not part of NGR). */
  turnover: bigint;
  stakes: bigint;
  returns: bigint;
  ggr: bigint;
  bonusCosts: bigint;
  fees: bigint;
  ngr: bigint;
}

const SETTLEMENT_KINDS = [
  'bet_stake_lost',
  'bet_stake_return',
  'bet_winnings',
  'bet_stake_lost_reversal',
  'bet_stake_return_reversal',
  'bet_winnings_reversal',
];

/** Figures of each player in `[from, to)` in `currency`; players with no moves get zeros. */
export async function playerRevenue(
  q: Queryable,
  playerIds: readonly string[],
  currency: string,
  from: Date,
  to: Date,
  adminFeeBps: number,
): Promise<PlayerRevenue[]> {
  if (playerIds.length === 0) return [];
  const rows = await q.query<{
    player_id: string;
    turnover: string;
    stakes: string;
    returns: string;
    operator_net: string;
  }>(
    `WITH own AS (
       SELECT id, owner_id FROM wallet.accounts
       WHERE owner_id = ANY($1::uuid[]) AND currency = $2
     ), moves AS (
       SELECT DISTINCT t.id, t.kind, t.amount, d.owner_id AS d_owner, d.kind AS d_kind,
              c.owner_id AS c_owner, c.kind AS c_kind
       FROM wallet.transfers t
       JOIN wallet.accounts d ON d.id = t.debit_account_id
       JOIN wallet.accounts c ON c.id = t.credit_account_id
       WHERE (t.debit_account_id IN (SELECT id FROM own) OR t.credit_account_id IN (SELECT id FROM own))
         AND t.created_at >= $3 AND t.created_at < $4
     )
     SELECT p.player_id,
       COALESCE(sum(CASE WHEN m.kind = 'bet_stake' THEN m.amount ELSE 0 END), 0)::text AS turnover,
       COALESCE(sum(CASE m.kind WHEN 'bet_stake_lost' THEN m.amount WHEN 'bet_stake_return' THEN m.amount
                       WHEN 'bet_stake_lost_reversal' THEN -m.amount
                       WHEN 'bet_stake_return_reversal' THEN -m.amount ELSE 0 END), 0)::text AS stakes,
       COALESCE(sum(CASE m.kind WHEN 'bet_stake_return' THEN m.amount WHEN 'bet_winnings' THEN m.amount
                       WHEN 'bet_stake_return_reversal' THEN -m.amount
                       WHEN 'bet_winnings_reversal' THEN -m.amount ELSE 0 END), 0)::text AS returns,
       -- Net money from the player to the operator outside bet settlement and payments.
       COALESCE(sum(CASE
         WHEN m.kind = ANY($5::text[]) THEN 0
         WHEN m.d_owner = p.player_id AND m.c_owner IS NULL AND m.c_kind <> 'psp_clearing' THEN m.amount
         WHEN m.c_owner = p.player_id AND m.d_owner IS NULL AND m.d_kind <> 'psp_clearing' THEN -m.amount
         ELSE 0 END), 0)::text AS operator_net
     FROM unnest($1::uuid[]) AS p(player_id)
     LEFT JOIN moves m ON p.player_id IN (m.d_owner, m.c_owner)
     GROUP BY p.player_id ORDER BY p.player_id`,
    [playerIds, currency, from, to, SETTLEMENT_KINDS],
  );
  return rows.map((r) => {
    const stakes = BigInt(r.stakes);
    const returns = BigInt(r.returns);
    const ggr = stakes - returns;
    const bonusCosts = -BigInt(r.operator_net);
    const fees = ggr > 0n ? (ggr * BigInt(adminFeeBps)) / 10_000n : 0n;
    return {
      playerId: r.player_id,
      turnover: BigInt(r.turnover),
      stakes,
      returns,
      ggr,
      bonusCosts,
      fees,
      ngr: ggr - bonusCosts - fees,
    };
  });
}

export const presentRevenue = (r: PlayerRevenue) => ({
  playerId: r.playerId,
  turnover: r.turnover.toString(),
  stakes: r.stakes.toString(),
  returns: r.returns.toString(),
  ggr: r.ggr.toString(),
  bonusCosts: r.bonusCosts.toString(),
  fees: r.fees.toString(),
  ngr: r.ngr.toString(),
});
