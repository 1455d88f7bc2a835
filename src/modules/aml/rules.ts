// AML rules. Each completed deposit, completed withdrawal and placed bet is checked against
// the configured thresholds by a durable outbox consumer (so the money paths pay nothing for
// it, and a redelivered event raises nothing twice: a flag is unique per rule and source).
// Amounts are compared in the player's own currency, in minor units.

import type { AmlConfig } from '../../platform/config.ts';
import type { Tx } from '../../platform/db/db.ts';
import type { Consumer } from '../../platform/events/bus.ts';
import type { OutboxEvent } from '../../platform/events/outbox.ts';
import { isUuid } from '../../platform/uuid.ts';
import { audit } from '../audit/index.ts';

export type AmlRule =
  | 'single_deposit'
  | 'single_withdrawal'
  | 'cumulative_deposits'
  | 'cumulative_withdrawals'
  | 'rapid_cycle'
  | 'stake_pattern';

interface NewFlag {
  playerId: string;
  rule: AmlRule;
  source: string;
  currency: string;
  amount: bigint;
  threshold: bigint;
  details: Record<string, unknown>;
}

async function raise(tx: Tx, flag: NewFlag): Promise<void> {
  const [row] = await tx.query<{ id: string }>(
    `INSERT INTO aml.flags (player_id, rule, source, currency, amount, threshold, details)
     VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb)
     ON CONFLICT (rule, source) DO NOTHING RETURNING id`,
    [
      flag.playerId,
      flag.rule,
      flag.source,
      flag.currency,
      flag.amount,
      flag.threshold,
      JSON.stringify(flag.details),
    ],
  );
  if (!row) return;
  await audit(tx, {
    actor: { id: null, kind: 'system' },
    action: 'aml.flag_raised',
    target: { type: 'aml_flag', id: row.id },
    details: {
      playerId: flag.playerId,
      rule: flag.rule,
      source: flag.source,
      amount: flag.amount.toString(),
      threshold: flag.threshold.toString(),
      currency: flag.currency,
    },
  });
}

const DIGITS = /^\d{1,18}$/;

interface PaymentFacts {
  id: string;
  ownerId: string;
  amount: bigint;
  currency: string;
}

function paymentFacts(payload: Record<string, unknown>): PaymentFacts | undefined {
  const { id, ownerId, amount, currency } = payload;
  if (!isUuid(id)) return undefined;
  if (!isUuid(ownerId)) return undefined;
  if (typeof amount !== 'string' || !DIGITS.test(amount)) return undefined;
  if (typeof currency !== 'string') return undefined;
  return { id, ownerId, amount: BigInt(amount), currency };
}

/** Completed payments of one direction in the rolling period, up to and including `paymentId`. */
async function periodTotal(
  tx: Tx,
  p: PaymentFacts,
  direction: 'deposit' | 'withdrawal',
  days: number,
): Promise<bigint> {
  const [row] = await tx.query<{ total: bigint }>(
    `SELECT coalesce(sum(amount), 0)::bigint AS total FROM wallet.payments
     WHERE owner_id = $1 AND direction = $2 AND status = 'completed' AND currency = $3
       AND created_at > (SELECT created_at FROM wallet.payments WHERE id = $4) - make_interval(days => $5)
       AND created_at <= (SELECT created_at FROM wallet.payments WHERE id = $4)`,
    [p.ownerId, direction, p.currency, p.id, days],
  );
  return BigInt(row?.total ?? 0n);
}

async function onPayment(
  tx: Tx,
  config: AmlConfig,
  direction: 'deposit' | 'withdrawal',
  p: PaymentFacts,
): Promise<void> {
  const single = direction === 'deposit' ? config.singleDeposit : config.singleWithdrawal;
  if (p.amount >= single) {
    await raise(tx, {
      playerId: p.ownerId,
      rule: direction === 'deposit' ? 'single_deposit' : 'single_withdrawal',
      source: `payment:${p.id}`,
      currency: p.currency,
      amount: p.amount,
      threshold: single,
      details: { paymentId: p.id },
    });
  }
  // Cumulative: flagged by the payment that crosses the threshold within the period.
  const cumulative =
    direction === 'deposit' ? config.cumulativeDeposits : config.cumulativeWithdrawals;
  const total = await periodTotal(tx, p, direction, config.periodDays);
  if (total >= cumulative && total - p.amount < cumulative) {
    await raise(tx, {
      playerId: p.ownerId,
      rule: direction === 'deposit' ? 'cumulative_deposits' : 'cumulative_withdrawals',
      source: `payment:${p.id}`,
      currency: p.currency,
      amount: total,
      threshold: cumulative,
      details: { paymentId: p.id, periodDays: config.periodDays },
    });
  }
  if (direction === 'withdrawal') await rapidCycle(tx, config, p);
}

/** Money deposited and withdrawn again within hours, with little of it staked in between. */
async function rapidCycle(tx: Tx, config: AmlConfig, p: PaymentFacts): Promise<void> {
  const [row] = await tx.query<{ deposited: bigint; first_deposit: Date | null; staked: bigint }>(
    `WITH w AS (SELECT created_at FROM wallet.payments WHERE id = $1),
     d AS (
       SELECT coalesce(sum(p.amount), 0)::bigint AS deposited, min(p.created_at) AS first_deposit
       FROM wallet.payments p, w
       WHERE p.owner_id = $2 AND p.direction = 'deposit' AND p.status = 'completed' AND p.currency = $3
         AND p.created_at >= w.created_at - make_interval(hours => $4) AND p.created_at <= w.created_at
     )
     SELECT d.deposited, d.first_deposit,
            (SELECT coalesce(sum(stake), 0)::bigint FROM betting.bets b, w
             WHERE b.player_id = $2 AND b.currency = $3
               AND b.placed_at >= d.first_deposit AND b.placed_at <= w.created_at) AS staked
     FROM d`,
    [p.id, p.ownerId, p.currency, config.rapidCycleHours],
  );
  if (!row || BigInt(row.deposited) === 0n) return;
  const deposited = BigInt(row.deposited);
  const staked = BigInt(row.staked);
  if (staked * 100n >= deposited * BigInt(config.rapidCycleTurnoverPercent)) return;
  await raise(tx, {
    playerId: p.ownerId,
    rule: 'rapid_cycle',
    source: `payment:${p.id}`,
    currency: p.currency,
    amount: p.amount,
    threshold: (deposited * BigInt(config.rapidCycleTurnoverPercent)) / 100n,
    details: {
      paymentId: p.id,
      depositedInWindow: deposited.toString(),
      stakedInWindow: staked.toString(),
      windowHours: config.rapidCycleHours,
    },
  });
}

/** A stake far above the player's own pattern (the average of their previous stakes). */
async function onBet(tx: Tx, config: AmlConfig, event: OutboxEvent): Promise<void> {
  const bet = event.payload.bet as Record<string, unknown> | undefined;
  const playerId = event.payload.playerId;
  if (!bet || !isUuid(playerId)) return;
  const { id, stake, currency } = bet;
  if (!isUuid(id)) return;
  if (typeof stake !== 'string' || !DIGITS.test(stake) || typeof currency !== 'string') return;
  const amount = BigInt(stake);
  if (amount < config.stakeMinimum) return;
  const [row] = await tx.query<{ bets: bigint; average: bigint | null }>(
    `SELECT count(*)::bigint AS bets, (sum(stake) / nullif(count(*), 0))::bigint AS average FROM (
       SELECT stake FROM betting.bets
       WHERE player_id = $1 AND currency = $2 AND id <> $3
         AND placed_at <= (SELECT placed_at FROM betting.bets WHERE id = $3)
       ORDER BY placed_at DESC LIMIT $4) previous`,
    [playerId, currency, id, config.stakeHistory],
  );
  if (!row || BigInt(row.bets) < 5n || row.average === null) return;
  const threshold = BigInt(row.average) * BigInt(config.stakeFactor);
  if (amount < threshold) return;
  await raise(tx, {
    playerId,
    rule: 'stake_pattern',
    source: `bet:${id}`,
    currency,
    amount,
    threshold,
    details: {
      betId: id,
      averageStake: BigInt(row.average).toString(),
      previousBets: Number(row.bets),
      factor: config.stakeFactor,
    },
  });
}

export function amlConsumer(config: AmlConfig): Consumer {
  return {
    name: 'aml.rules',
    types: ['wallet.deposit.completed', 'wallet.withdrawal.completed', 'bet.placed'],
    async handle(tx, event) {
      if (event.type === 'bet.placed') return onBet(tx, config, event);
      const facts = paymentFacts(event.payload);
      // A malformed event is skipped, never retried (it would block nothing but itself).
      if (!facts) return;
      await onPayment(
        tx,
        config,
        event.type === 'wallet.deposit.completed' ? 'deposit' : 'withdrawal',
        facts,
      );
    },
  };
}
