// Posting transfers. Every money move in iBet goes through `post`: one statement inserts the
// transfers and applies the net change to each player-owned balance. System accounts keep
// no running balance (see migration 0003), so a posting never updates a shared row.
// The same statement writes the audit record of each cause (`reference`) with the transfers
// and the player balances before and after, so a money move without its record cannot commit.
import { constraintOf, isPgError, type Tx } from '../../platform/db/db.ts';
import { currentAuditScope } from '../audit/index.ts';
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
  | 'bet_winnings_reversal'
  // Promotions (see modules/promotions): free-bet and bonus stakes, bonus winnings, awards,
  // release and forfeit of bonus funds, the acca bonus, and the mirror of any of them.
  | 'promo_free_bet_stake'
  | 'promo_free_bet_reclaim'
  | 'promo_bonus_stake'
  | 'promo_bonus_return'
  | 'promo_bonus_award'
  | 'promo_bonus_release'
  | 'promo_bonus_forfeit'
  | 'promo_acca_bonus'
  | 'promo_reversal'
  // An approved affiliate commission statement, paid from the house to the partner's account.
  | 'affiliate_commission';

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
  const posting = postingSql(transfers, 1);
  if (!posting) return;
  try {
    await tx.query(`WITH ${posting.ctes} SELECT 1`, posting.params);
  } catch (error) {
    throw postingError(error);
  }
}

/**
 * The statement of `post` as common table expressions (all named `posting_*`) for a caller
 * that writes its own rows in the same statement; its placeholders are numbered from
 * `first`, in the order of `params`. Undefined when there is nothing to move. A caller that
 * runs it maps its errors with `postingError`.
 */
export function postingSql(
  transfers: readonly Transfer[],
  first: number,
): { ctes: string; params: unknown[] } | undefined {
  // Zero amounts (e.g. no winnings) are skipped; a negative one is a caller's bug that would
  // otherwise vanish silently instead of reaching the amount > 0 CHECK.
  const negative = transfers.find((t) => t.amount < 0n);
  if (negative)
    throw new Error(`transfer amount is negative: ${negative.kind} ${negative.reference}`);
  const moves = transfers.filter((t) => t.amount > 0n);
  if (moves.length === 0) return undefined;
  const scope = currentAuditScope();
  const $ = (n: number) => `$${first + n - 1}`;
  return {
    ctes: `posting_input AS (
         SELECT * FROM unnest(${$(1)}::bigint[], ${$(2)}::bigint[], ${$(3)}::bigint[], ${$(4)}::text[], ${$(5)}::text[], ${$(6)}::text[])
           AS t(debit, credit, amount, currency, kind, reference)
       ), posting_deltas AS (
         SELECT account_id, sum(delta)::bigint AS delta FROM (
           SELECT debit AS account_id, -amount AS delta FROM posting_input
           UNION ALL
           SELECT credit, amount FROM posting_input
         ) m GROUP BY account_id
       ), posting_balances AS (
         UPDATE wallet.accounts a SET balance = a.balance + d.delta
         FROM posting_deltas d WHERE a.id = d.account_id AND a.owner_id IS NOT NULL
         RETURNING a.id, a.owner_id, a.kind, a.balance, d.delta
       ), posting_moved AS (
         INSERT INTO wallet.transfers (debit_account_id, credit_account_id, amount, currency, kind, reference)
         SELECT debit, credit, amount, currency, kind, reference FROM posting_input
       ), posting_by_reference AS (
         SELECT reference, jsonb_agg(jsonb_build_object(
                  'kind', kind, 'debit', debit::text, 'credit', credit::text,
                  'amount', amount::text, 'currency', currency) ORDER BY ord) AS transfers
         FROM (SELECT *, row_number() OVER () AS ord FROM posting_input) i
         GROUP BY reference
       ), posting_touched AS (
         SELECT DISTINCT i.reference, v.account_id
         FROM posting_input i CROSS JOIN LATERAL (VALUES (i.debit), (i.credit)) AS v(account_id)
       ), posting_balances_by_reference AS (
         SELECT t.reference, jsonb_agg(jsonb_build_object(
                  'account', b.id::text, 'owner', b.owner_id, 'kind', b.kind,
                  'before', (b.balance - b.delta)::text, 'after', b.balance::text) ORDER BY b.id) AS balances
         FROM posting_touched t JOIN posting_balances b ON b.id = t.account_id
         GROUP BY t.reference
       ), posting_audit AS (
         INSERT INTO audit.events (actor_id, actor_kind, action, target_type, target_id, ip, request_id, details)
         SELECT ${$(7)}::uuid, ${$(8)}, 'wallet.transfer',
                CASE WHEN position(':' IN r.reference) > 0 THEN split_part(r.reference, ':', 1) ELSE 'reference' END,
                CASE WHEN position(':' IN r.reference) > 0 THEN substr(r.reference, position(':' IN r.reference) + 1) ELSE r.reference END,
                ${$(9)}, ${$(10)},
                jsonb_build_object('transfers', r.transfers, 'balances', coalesce(bb.balances, '[]'::jsonb))
         FROM posting_by_reference r LEFT JOIN posting_balances_by_reference bb ON bb.reference = r.reference
       )`,
    params: [
      moves.map((t) => t.debit),
      moves.map((t) => t.credit),
      moves.map((t) => t.amount),
      moves.map((t) => t.currency),
      moves.map((t) => t.kind),
      moves.map((t) => t.reference),
      scope?.actor?.id ?? null,
      scope?.actor?.kind ?? 'system',
      scope?.ip ?? null,
      scope?.requestId ?? null,
    ],
  };
}

/** A posting's failure as the caller should see it: a balance below zero is insufficient funds. */
export function postingError(error: unknown): unknown {
  if (isPgError(error, '23514') && constraintOf(error) === 'player_balance_not_negative') {
    return insufficientFunds();
  }
  return error;
}
