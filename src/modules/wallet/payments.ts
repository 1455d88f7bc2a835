// Deposits and withdrawals. Calling the PSP cannot share a database transaction, so each is
// a two-step command with an idempotency key: step 1 claims the key and records the payment
// (for a withdrawal it also moves the money out of the player's cash account, so it cannot
// be bet); the PSP is called; step 2 records the outcome, and for a failed withdrawal posts
// a reversal. A retry while the PSP call is in flight gets 409 and then the stored result.
// When the PSP's answer is lost, the worker asks the PSP later (`reconcilePayments`) and
// records the outcome the same way.
import { randomUUID } from 'node:crypto';
import type { Config } from '../../platform/config.ts';
import type { Db, Queryable, Tx } from '../../platform/db/db.ts';
import { emit } from '../../platform/events/outbox.ts';
import {
  checkIdempotencyKey,
  claimKey,
  hashRequest,
  type IdempotentCommand,
  inProgress,
  type Outcome,
  storeResult,
} from '../../platform/idempotency.ts';
import { assertMayDeposit } from '../compliance/index.ts';
import { lockPlayerAccounts, readPlayerAccounts, systemAccount } from './accounts.ts';
import { amountOutOfRange, insufficientFunds, paymentProviderUnavailable } from './errors.ts';
import { post } from './ledger.ts';
import type { PaymentProvider, PaymentResult } from './payment-provider.ts';

export interface PaymentView {
  id: string;
  direction: 'deposit' | 'withdrawal';
  amount: string;
  currency: string;
  status: 'pending' | 'completed' | 'failed';
  failureReason: string | null;
  /** The cash balance after the payment was recorded. */
  balance: string;
  createdAt: string;
}

export interface PaymentDeps {
  db: Db;
  provider: PaymentProvider;
  limits: Config['limits'];
}

type Direction = PaymentView['direction'];

async function start(
  deps: PaymentDeps,
  direction: Direction,
  command: IdempotentCommand<{ ownerId: string; amount: bigint }>,
): Promise<{ replay: PaymentView } | { payment: PaymentView }> {
  const key = checkIdempotencyKey(command.idempotencyKey);
  const hash = hashRequest(`wallet.${direction}`, command.input);
  const { ownerId, amount } = command.input;
  return deps.db.transaction(async (tx) => {
    const claim = await claimKey<PaymentView>(tx, command.scope, key, hash);
    if (claim.state === 'replay') return { replay: claim.result };
    if (claim.state === 'in_progress') throw inProgress();

    const accounts = await lockPlayerAccounts(tx, ownerId);
    // Time-outs, self-exclusion, identity verification and deposit limits (responsible gambling).
    if (direction === 'deposit') await assertMayDeposit(tx, ownerId, amount);
    const id = randomUUID();
    let balance = accounts.cash.balance;
    if (direction === 'withdrawal') {
      if (accounts.cash.balance < amount) throw insufficientFunds(accounts.cash.balance);
      const clearing = await systemAccount(tx, 'psp_clearing', accounts.currency);
      await post(tx, [
        {
          debit: accounts.cash.id,
          credit: clearing,
          amount,
          currency: accounts.currency,
          kind: 'withdrawal',
          reference: `payment:${id}`,
        },
      ]);
      balance -= amount;
    }
    const [row] = await tx.query<{ created_at: Date }>(
      `INSERT INTO wallet.payments (id, owner_id, account_id, direction, amount, currency, provider, status,
                                    idempotency_scope, idempotency_key)
       VALUES ($1, $2, $3, $4, $5, $6, $7, 'pending', $8, $9) RETURNING created_at`,
      [
        id,
        ownerId,
        accounts.cash.id,
        direction,
        amount,
        accounts.currency,
        deps.provider.name,
        command.scope,
        key,
      ],
    );
    return {
      payment: {
        id,
        direction,
        amount: amount.toString(),
        currency: accounts.currency,
        status: 'pending',
        failureReason: null,
        balance: balance.toString(),
        createdAt: row!.created_at.toISOString(),
      },
    };
  });
}

/**
 * Records the PSP's answer once — a payment leaves `pending` once — with its money move, its
 * event and the response stored for the request's idempotency key, in the caller's
 * transaction. Returns the payment as it now stands (also when it was already decided).
 */
export async function recordOutcome(
  tx: Tx,
  paymentId: string,
  result: PaymentResult,
): Promise<PaymentView> {
  const [row] = await tx.query<{
    owner_id: string;
    direction: Direction;
    amount: bigint;
    currency: string;
    account_id: bigint;
    idempotency_scope: string;
    idempotency_key: string;
  }>(
    `UPDATE wallet.payments
     SET status = $2, provider_ref = $3, failure_reason = $4, completed_at = now()
     WHERE id = $1 AND status = 'pending'
     RETURNING owner_id, direction, amount, currency, account_id, idempotency_scope, idempotency_key`,
    [
      paymentId,
      result.status,
      result.providerRef ?? null,
      result.status === 'failed' ? result.reason : null,
    ],
  );
  if (!row) return paymentView(tx, paymentId);
  const moneyMoves =
    (row.direction === 'deposit' && result.status === 'completed') ||
    (row.direction === 'withdrawal' && result.status === 'failed');
  if (moneyMoves) {
    await lockPlayerAccounts(tx, row.owner_id);
    const clearing = await systemAccount(tx, 'psp_clearing', row.currency);
    await post(tx, [
      {
        debit: clearing,
        credit: row.account_id,
        amount: row.amount,
        currency: row.currency,
        kind: row.direction === 'deposit' ? 'deposit' : 'withdrawal_reversal',
        reference: `payment:${paymentId}`,
      },
    ]);
  }
  const view = await paymentView(tx, paymentId);
  await emit(tx, {
    type: `wallet.${row.direction}.${result.status}`,
    aggregateId: row.owner_id,
    payload: { ...view, ownerId: row.owner_id },
  });
  await storeResult(tx, row.idempotency_scope, row.idempotency_key, view);
  return view;
}

async function paymentView(q: Queryable, paymentId: string): Promise<PaymentView> {
  const [row] = await q.query<{
    owner_id: string;
    direction: Direction;
    amount: bigint;
    currency: string;
    status: PaymentView['status'];
    failure_reason: string | null;
    created_at: Date;
  }>(
    `SELECT owner_id, direction, amount, currency, status, failure_reason, created_at
     FROM wallet.payments WHERE id = $1`,
    [paymentId],
  );
  if (!row) throw new Error(`payment ${paymentId} not found`);
  const accounts = await readPlayerAccounts(q, row.owner_id);
  return {
    id: paymentId,
    direction: row.direction,
    amount: row.amount.toString(),
    currency: row.currency,
    status: row.status,
    failureReason: row.failure_reason,
    balance: accounts.cash.balance.toString(),
    createdAt: row.created_at.toISOString(),
  };
}

async function run(
  deps: PaymentDeps,
  direction: Direction,
  command: IdempotentCommand<{ ownerId: string; amount: bigint }>,
): Promise<Outcome<PaymentView>> {
  const started = await start(deps, direction, command);
  if ('replay' in started) return { result: started.replay, idempotencyHit: true };
  const { payment } = started;
  const request = {
    paymentId: payment.id,
    ownerId: command.input.ownerId,
    amount: command.input.amount,
    currency: payment.currency,
  };
  let result: PaymentResult;
  try {
    result =
      direction === 'deposit'
        ? await deps.provider.collect(request)
        : await deps.provider.payout(request);
  } catch (error) {
    // The PSP did not answer: the outcome is unknown, so the payment stays pending and the
    // key stays in progress until the PSP's answer is reconciled. A 503 with the payment id
    // (not an unhandled 500) tells the client to retry the same key later.
    throw paymentProviderUnavailable(payment.id, error);
  }
  const view = await deps.db.transaction((tx) => recordOutcome(tx, payment.id, result));
  return { result: view, idempotencyHit: false };
}

export async function deposit(
  deps: PaymentDeps,
  command: IdempotentCommand<{ ownerId: string; amount: bigint }>,
) {
  const { minDeposit, maxDeposit } = deps.limits;
  const { amount } = command.input;
  if (amount < minDeposit || amount > maxDeposit)
    throw amountOutOfRange('deposit', minDeposit, maxDeposit);
  return run(deps, 'deposit', command);
}

export async function withdraw(
  deps: PaymentDeps,
  command: IdempotentCommand<{ ownerId: string; amount: bigint }>,
) {
  const { minWithdrawal } = deps.limits;
  if (command.input.amount < minWithdrawal) throw amountOutOfRange('withdrawal', minWithdrawal);
  return run(deps, 'withdrawal', command);
}

/**
 * Asks the PSP about payments still pending after `olderThanSeconds` (their answer was lost)
 * and records the outcomes it knows. Returns how many payments it decided.
 */
export async function reconcilePayments(
  deps: { db: Db; provider: PaymentProvider },
  olderThanSeconds = 60,
): Promise<number> {
  const pending = await deps.db.query<{
    id: string;
    owner_id: string;
    direction: Direction;
    amount: bigint;
    currency: string;
  }>(
    `SELECT id, owner_id, direction, amount, currency FROM wallet.payments
     WHERE status = 'pending' AND provider = $1 AND created_at < now() - make_interval(secs => $2)
     ORDER BY created_at LIMIT 100`,
    [deps.provider.name, olderThanSeconds],
  );
  let decided = 0;
  for (const p of pending) {
    const result = await deps.provider.lookup({
      paymentId: p.id,
      ownerId: p.owner_id,
      amount: p.amount,
      currency: p.currency,
      direction: p.direction,
    });
    if (result.status === 'pending') continue;
    await deps.db.transaction((tx) => recordOutcome(tx, p.id, result));
    decided++;
  }
  return decided;
}
