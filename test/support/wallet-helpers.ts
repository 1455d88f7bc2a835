// Helpers for the wallet tests: a payment provider the test steers, row counts of the tables a
// money command writes, and a snapshot of "everything that could have changed".
import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import type {
  PaymentProvider,
  PaymentRequest,
  PaymentResult,
} from '../../src/modules/wallet/payment-provider.ts';
import type { Queryable } from '../../src/platform/db/db.ts';
import type { Player, Response, TestApp } from './app.ts';

/** What the test PSP does with the next requests: answer, refuse, or not answer at all. */
export type PspBehaviour = 'complete' | 'fail' | 'throw';

export interface TestPsp {
  provider: PaymentProvider;
  /** Set per operation; `reset()` puts them back to 'complete' without delay. */
  behaviour: {
    collect: PspBehaviour;
    payout: PspBehaviour;
    /** What a reconciliation lookup learns about an earlier payment. */
    lookup: PspBehaviour | 'pending';
    delayMs: number;
  };
  calls: { operation: 'collect' | 'payout' | 'lookup'; request: PaymentRequest }[];
  reset(): void;
}

/** A PaymentProvider (the adapter interface the real PSP implements) that the test steers. */
export function testPsp(): TestPsp {
  const psp: TestPsp = {
    behaviour: { collect: 'complete', payout: 'complete', lookup: 'complete', delayMs: 0 },
    calls: [],
    reset() {
      psp.behaviour = { collect: 'complete', payout: 'complete', lookup: 'complete', delayMs: 0 };
      psp.calls.length = 0;
    },
    provider: {
      name: 'test-psp',
      collect: (request) => answer('collect', request),
      payout: (request) => answer('payout', request),
      async lookup(request) {
        if (psp.behaviour.lookup === 'pending') {
          psp.calls.push({ operation: 'lookup', request });
          return { status: 'pending' };
        }
        return answer('lookup', request);
      },
    },
  };
  async function answer(
    operation: 'collect' | 'payout' | 'lookup',
    request: PaymentRequest,
  ): Promise<PaymentResult> {
    psp.calls.push({ operation, request });
    const { delayMs } = psp.behaviour;
    if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
    switch (psp.behaviour[operation] as PspBehaviour) {
      case 'complete':
        return { status: 'completed', providerRef: `test-${randomUUID()}` };
      case 'fail':
        return { status: 'failed', providerRef: `test-${randomUUID()}`, reason: 'card declined' };
      case 'throw':
        throw new Error('connect ETIMEDOUT psp.example.com:443');
    }
  }
  return psp;
}

export interface RowCounts {
  transfers: number;
  payments: number;
  idempotencyKeys: number;
  outbox: number;
}

/** Rows in the tables a money command writes (all players: nothing else may change either). */
export async function rowCounts(db: Queryable): Promise<RowCounts> {
  const [row] = await db.query<RowCounts>(
    `SELECT (SELECT count(*)::int FROM wallet.transfers) AS transfers,
            (SELECT count(*)::int FROM wallet.payments) AS payments,
            (SELECT count(*)::int FROM platform.idempotency_keys) AS "idempotencyKeys",
            (SELECT count(*)::int FROM platform.outbox) AS outbox`,
  );
  return row!;
}

export interface Snapshot {
  balance: bigint;
  counts: RowCounts;
}

export async function snapshot(t: TestApp, player: Player): Promise<Snapshot> {
  return { balance: await t.balance(player), counts: await rowCounts(t.db) };
}

/** Asserts that nothing a money command could write has changed since `before`. */
export async function expectUnchanged(t: TestApp, player: Player, before: Snapshot) {
  expect(await snapshot(t, player)).toEqual(before);
}

export function expectProblem(response: Response, status: number, code: string): void {
  expect({ status: response.status, code: response.body?.code }).toEqual({ status, code });
  expect(String(response.headers['content-type'])).toContain('application/problem+json');
}

export function postDeposit(
  t: TestApp,
  player: Player,
  amount: unknown,
  /** null sends no Idempotency-Key header. */
  idempotencyKey: string | null = randomUUID(),
) {
  return t.api.post(
    '/api/v1/wallet/deposits',
    { amount },
    { token: player.token, idempotencyKey: idempotencyKey ?? undefined },
  );
}

export function postWithdrawal(
  t: TestApp,
  player: Player,
  amount: unknown,
  /** null sends no Idempotency-Key header. */
  idempotencyKey: string | null = randomUUID(),
) {
  return t.api.post(
    '/api/v1/wallet/withdrawals',
    { amount },
    { token: player.token, idempotencyKey: idempotencyKey ?? undefined },
  );
}

export async function paymentsOf(db: Queryable, ownerId: string) {
  return db.query<{ id: string; direction: string; amount: bigint; status: string }>(
    'SELECT id, direction, amount, status FROM wallet.payments WHERE owner_id = $1 ORDER BY created_at',
    [ownerId],
  );
}

export async function transfersFor(db: Queryable, paymentId: string) {
  return db.query<{ kind: string; amount: bigint }>(
    'SELECT kind, amount FROM wallet.transfers WHERE reference = $1 ORDER BY id',
    [`payment:${paymentId}`],
  );
}
