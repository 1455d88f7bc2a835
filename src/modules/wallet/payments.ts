// Deposits and withdrawals. Calling the PSP cannot share a database transaction, so each is
// a two-step command with an idempotency key: step 1 claims the key and records the payment
// (for a withdrawal it also moves the money out of the player's cash account, so it cannot
// be bet); the PSP is called; step 2 records the outcome, and for a failed withdrawal posts
// a reversal. A retry while the PSP call is in flight gets 409 and then the stored result.
import { randomUUID } from 'node:crypto';
import type { Config } from '../../platform/config.ts';
import type { Db, Tx } from '../../platform/db/db.ts';
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
): Promise<{ replay: PaymentView } | { payment: PaymentView; key: string }> {
  const key = checkIdempotencyKey(command.idempotencyKey);
  const hash = hashRequest(`wallet.${direction}`, command.input);
  const { ownerId, amount } = command.input;
  return deps.db.transaction(async (tx) => {
    const claim = await claimKey<PaymentView>(tx, command.scope, key, hash);
    if (claim.state === 'replay') return { replay: claim.result };
    if (claim.state === 'in_progress') throw inProgress();

    const accounts = await lockPlayerAccounts(tx, ownerId);
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
      `INSERT INTO wallet.payments (id, owner_id, account_id, direction, amount, currency, provider, status)
       VALUES ($1, $2, $3, $4, $5, $6, $7, 'pending') RETURNING created_at`,
      [id, ownerId, accounts.cash.id, direction, amount, accounts.currency, deps.provider.name],
    );
    return {
      key,
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

/** Records the PSP's answer exactly once (a payment leaves `pending` once). */
export async function completePayment(
  tx: Tx,
  payment: Pick<PaymentView, 'id' | 'direction'> & { ownerId: string },
  result: PaymentResult,
): Promise<PaymentView | undefined> {
  const [row] = await tx.query<{
    amount: bigint;
    currency: string;
    account_id: bigint;
    created_at: Date;
  }>(
    `UPDATE wallet.payments
     SET status = $2, provider_ref = $3, failure_reason = $4, completed_at = now()
     WHERE id = $1 AND status = 'pending'
     RETURNING amount, currency, account_id, created_at`,
    [
      payment.id,
      result.status,
      result.providerRef ?? null,
      result.status === 'failed' ? result.reason : null,
    ],
  );
  if (!row) return undefined;
  const reference = `payment:${payment.id}`;
  const moneyMoves =
    (payment.direction === 'deposit' && result.status === 'completed') ||
    (payment.direction === 'withdrawal' && result.status === 'failed');
  if (moneyMoves) {
    await lockPlayerAccounts(tx, payment.ownerId);
    const clearing = await systemAccount(tx, 'psp_clearing', row.currency);
    await post(tx, [
      {
        debit: clearing,
        credit: row.account_id,
        amount: row.amount,
        currency: row.currency,
        kind: payment.direction === 'deposit' ? 'deposit' : 'withdrawal_reversal',
        reference,
      },
    ]);
  }
  const accounts = await readPlayerAccounts(tx, payment.ownerId);
  const view: PaymentView = {
    id: payment.id,
    direction: payment.direction,
    amount: row.amount.toString(),
    currency: row.currency,
    status: result.status,
    failureReason: result.status === 'failed' ? result.reason : null,
    balance: accounts.cash.balance.toString(),
    createdAt: row.created_at.toISOString(),
  };
  await emit(tx, {
    type: `wallet.${payment.direction}.${result.status}`,
    aggregateId: payment.ownerId,
    payload: { ...view, ownerId: payment.ownerId },
  });
  return view;
}

async function run(
  deps: PaymentDeps,
  direction: Direction,
  command: IdempotentCommand<{ ownerId: string; amount: bigint }>,
): Promise<Outcome<PaymentView>> {
  const started = await start(deps, direction, command);
  if ('replay' in started) return { result: started.replay, idempotencyHit: true };
  const { payment, key } = started;
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
  const view = await deps.db.transaction(async (tx) => {
    const done = await completePayment(tx, { ...payment, ownerId: command.input.ownerId }, result);
    const final = done ?? payment;
    await storeResult(tx, command.scope, key, final);
    return final;
  });
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
