// Posting transfers. Every money move in iBet goes through `post`: one statement inserts the
// transfers and applies the net change to each player-owned balance. System accounts keep
// no running balance (see migration 0003), so a posting never updates a shared row.
import { constraintOf, isPgError, type Tx } from '../../platform/db/db.ts';
import { insufficientFunds } from './errors.ts';

export type TransferKind =
  | 'deposit'
  | 'withdrawal'
  | 'withdrawal_reversal'
  | 'bet_stake'
  | 'bet_stake_return'
  | 'bet_stake_lost'
  | 'bet_winnings'
  // A resettlement reverses the settlement it corrects with the mirror of each move.
  | 'bet_stake_return_reversal'
  | 'bet_stake_lost_reversal'
  | 'bet_winnings_reversal';

export interface Transfer {
  debit: bigint;
  credit: bigint;
  amount: bigint;
  currency: string;
  kind: TransferKind;
  /** What caused it, e.g. `bet:<id>` or `payment:<id>`. */
  reference: string;
}

/**
 * Posts transfers atomically with the caller's transaction. The caller has locked the
 * player accounts involved (`lockAccounts`, ascending id) and checked their balances; the
 * `player_balance_not_negative` constraint is the last line of defence.
 */
export async function post(tx: Tx, transfers: readonly Transfer[]): Promise<void> {
  // Zero amounts (e.g. no winnings) are skipped; a negative one is a caller's bug that would
  // otherwise vanish silently instead of reaching the amount > 0 CHECK.
  const negative = transfers.find((t) => t.amount < 0n);
  if (negative)
    throw new Error(`transfer amount is negative: ${negative.kind} ${negative.reference}`);
  const moves = transfers.filter((t) => t.amount > 0n);
  if (moves.length === 0) return;
  try {
    await tx.query(
      `WITH input AS (
         SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::text[], $5::text[], $6::text[])
           AS t(debit, credit, amount, currency, kind, reference)
       ), deltas AS (
         SELECT account_id, sum(delta)::bigint AS delta FROM (
           SELECT debit AS account_id, -amount AS delta FROM input
           UNION ALL
           SELECT credit, amount FROM input
         ) m GROUP BY account_id
       ), balances AS (
         UPDATE wallet.accounts a SET balance = a.balance + d.delta
         FROM deltas d WHERE a.id = d.account_id AND a.owner_id IS NOT NULL
         RETURNING a.id
       )
       INSERT INTO wallet.transfers (debit_account_id, credit_account_id, amount, currency, kind, reference)
       SELECT debit, credit, amount, currency, kind, reference FROM input`,
      [
        moves.map((t) => t.debit),
        moves.map((t) => t.credit),
        moves.map((t) => t.amount),
        moves.map((t) => t.currency),
        moves.map((t) => t.kind),
        moves.map((t) => t.reference),
      ],
    );
  } catch (error) {
    if (isPgError(error, '23514') && constraintOf(error) === 'player_balance_not_negative') {
      throw insufficientFunds();
    }
    throw error;
  }
}
