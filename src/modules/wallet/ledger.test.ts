// The ledger in the database: posting, the constraints that guard it and the check that
// verifies it. Runs against a real database without the HTTP layer.
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createTestDb } from '../../../test/support/db.ts';
import { assertMoneyInvariants } from '../../../test/support/invariants.ts';
import { type Db, isPgError, type Tx } from '../../platform/db/db.ts';
import { DomainError } from '../../platform/errors.ts';
import { lockPlayerAccounts, openPlayerAccounts, systemAccount } from './accounts.ts';
import { post } from './ledger.ts';
import { checkLedger } from './ledger-check.ts';

let db: Db;

beforeAll(async () => {
  db = await createTestDb();
});
afterEach(async () => {
  await assertMoneyInvariants(db);
});
afterAll(async () => {
  await db.close();
});

interface Wallet {
  ownerId: string;
  currency: string;
  cash: bigint;
  held: bigint;
  clearing: bigint;
}

/** A player wallet funded with `amount` from PSP clearing. */
async function fundedWallet(amount: bigint, currency = 'EUR'): Promise<Wallet> {
  const ownerId = randomUUID();
  return db.transaction(async (tx) => {
    await openPlayerAccounts(tx, ownerId, currency);
    const accounts = await lockPlayerAccounts(tx, ownerId);
    const clearing = await systemAccount(tx, 'psp_clearing', currency);
    await post(tx, [
      {
        debit: clearing,
        credit: accounts.cash.id,
        amount,
        currency,
        kind: 'deposit',
        reference: `payment:${randomUUID()}`,
      },
    ]);
    return { ownerId, currency, cash: accounts.cash.id, held: accounts.held.id, clearing };
  });
}

async function balances(w: Wallet) {
  const rows = await db.query<{ kind: string; balance: bigint }>(
    'SELECT kind, balance FROM wallet.accounts WHERE owner_id = $1 ORDER BY kind',
    [w.ownerId],
  );
  return Object.fromEntries(rows.map((r) => [r.kind, r.balance]));
}

const transferCount = async () =>
  (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM wallet.transfers'))[0]!.n;

async function sqlState(
  run: () => Promise<unknown>,
): Promise<{ code: string; constraint?: string }> {
  try {
    await run();
  } catch (error) {
    if (!isPgError(error)) throw error;
    const constraint = error.constraint ?? error.constraint_name;
    return { code: error.code, ...(constraint ? { constraint } : {}) };
  }
  throw new Error('the statement succeeded');
}

class Rollback extends Error {}

/** Runs `fn` in a transaction that is always rolled back; returns what `fn` returned. */
async function inRolledBackTx<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
  let value: T | undefined;
  await db
    .transaction(async (tx) => {
      value = await fn(tx);
      throw new Rollback();
    })
    .catch((error) => {
      if (!(error instanceof Rollback)) throw error;
    });
  return value as T;
}

describe('posting transfers', () => {
  it('moves money between player accounts and keeps system accounts at a zero running balance', async () => {
    const w = await fundedWallet(10_000n);
    await db.transaction(async (tx) => {
      await lockPlayerAccounts(tx, w.ownerId);
      const house = await systemAccount(tx, 'house', 'EUR');
      await post(tx, [
        {
          debit: w.cash,
          credit: w.held,
          amount: 3_000n,
          currency: 'EUR',
          kind: 'bet_stake',
          reference: 'bet:a',
        },
        {
          debit: w.held,
          credit: house,
          amount: 3_000n,
          currency: 'EUR',
          kind: 'bet_stake_lost',
          reference: 'bet:a',
        },
      ]);
    });
    expect(await balances(w)).toEqual({ player_bets_held: 0n, player_cash: 7_000n });
    const system = await db.query<{ balance: bigint }>(
      'SELECT balance FROM wallet.accounts WHERE owner_id IS NULL',
    );
    expect(system.every((a) => a.balance === 0n)).toBe(true);
  });

  it('nets several transfers of one account within one posting', async () => {
    const w = await fundedWallet(1_000n);
    await db.transaction(async (tx) => {
      await post(tx, [
        {
          debit: w.cash,
          credit: w.held,
          amount: 1_000n,
          currency: 'EUR',
          kind: 'bet_stake',
          reference: 'bet:n',
        },
        {
          debit: w.held,
          credit: w.cash,
          amount: 1_000n,
          currency: 'EUR',
          kind: 'bet_stake_return',
          reference: 'bet:n',
        },
      ]);
    });
    expect(await balances(w)).toEqual({ player_bets_held: 0n, player_cash: 1_000n });
  });

  it('throws the insufficient_funds domain error when a posting would make a player balance negative, and writes nothing', async () => {
    const w = await fundedWallet(500n);
    const before = await transferCount();
    const error = await db
      .transaction(async (tx) => {
        await post(tx, [
          {
            debit: w.cash,
            credit: w.held,
            amount: 501n,
            currency: 'EUR',
            kind: 'bet_stake',
            reference: 'bet:x',
          },
        ]);
      })
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(DomainError);
    expect(error).toMatchObject({ code: 'insufficient_funds', kind: 'invalid' });
    expect(await balances(w)).toEqual({ player_bets_held: 0n, player_cash: 500n });
    expect(await transferCount()).toBe(before);
  });

  it('skips zero-amount transfers and posts nothing for an empty list', async () => {
    const w = await fundedWallet(500n);
    const before = await transferCount();
    await db.transaction(async (tx) => {
      await post(tx, []);
      await post(tx, [
        {
          debit: w.cash,
          credit: w.held,
          amount: 0n,
          currency: 'EUR',
          kind: 'bet_stake',
          reference: 'bet:z',
        },
      ]);
    });
    expect(await transferCount()).toBe(before);
  });

  it('refuses a negative amount instead of silently dropping it', async () => {
    const w = await fundedWallet(500n);
    const before = await transferCount();
    await expect(
      db.transaction(async (tx) => {
        await post(tx, [
          {
            debit: w.held,
            credit: w.cash,
            amount: -100n,
            currency: 'EUR',
            kind: 'bet_winnings',
            reference: 'bet:neg',
          },
        ]);
      }),
    ).rejects.toThrow(/negative/);
    expect(await transferCount()).toBe(before);
    expect(await balances(w)).toEqual({ player_bets_held: 0n, player_cash: 500n });
  });

  it('refuses a transfer between accounts of another currency than its own', async () => {
    const eur = await fundedWallet(500n, 'EUR');
    const gbp = await fundedWallet(500n, 'GBP');
    const failure = await sqlState(() =>
      db.transaction(async (tx) => {
        await post(tx, [
          {
            debit: eur.cash,
            credit: gbp.cash,
            amount: 100n,
            currency: 'EUR',
            kind: 'deposit',
            reference: 'x',
          },
        ]);
      }),
    );
    expect(failure.code).toBe('23503');
    expect(await balances(eur)).toMatchObject({ player_cash: 500n });
    expect(await balances(gbp)).toMatchObject({ player_cash: 500n });
  });
});

describe('the guards in the data model', () => {
  it('refuses UPDATE, DELETE and TRUNCATE on wallet.transfers (append-only, SQLSTATE 55000)', async () => {
    const w = await fundedWallet(800n);
    const [transfer] = await db.query<{ id: bigint }>(
      'SELECT id FROM wallet.transfers WHERE credit_account_id = $1',
      [w.cash],
    );
    expect(
      await sqlState(() =>
        db.query('UPDATE wallet.transfers SET amount = 1 WHERE id = $1', [transfer!.id]),
      ),
    ).toEqual({ code: '55000' });
    expect(
      await sqlState(() => db.query('DELETE FROM wallet.transfers WHERE id = $1', [transfer!.id])),
    ).toEqual({ code: '55000' });
    expect(await sqlState(() => db.query('TRUNCATE wallet.transfers CASCADE'))).toEqual({
      code: '55000',
    });
    const [after] = await db.query<{ amount: bigint }>(
      'SELECT amount FROM wallet.transfers WHERE id = $1',
      [transfer!.id],
    );
    expect(after?.amount).toBe(800n);
  });

  it('refuses a negative player balance with the player_balance_not_negative CHECK', async () => {
    const w = await fundedWallet(100n);
    expect(
      await sqlState(() =>
        db.query('UPDATE wallet.accounts SET balance = balance - 101 WHERE id = $1', [w.cash]),
      ),
    ).toEqual({ code: '23514', constraint: 'player_balance_not_negative' });
    expect(await balances(w)).toMatchObject({ player_cash: 100n });
  });

  it('refuses a running balance on a system account', async () => {
    const w = await fundedWallet(100n);
    expect(
      await sqlState(() =>
        db.query('UPDATE wallet.accounts SET balance = 100 WHERE id = $1', [w.clearing]),
      ),
    ).toEqual({ code: '23514', constraint: 'system_balance_derived' });
  });

  it('refuses a zero or negative transfer amount and a transfer from an account to itself', async () => {
    const w = await fundedWallet(100n);
    const insert = (debit: bigint, credit: bigint, amount: bigint) =>
      db.query(
        `INSERT INTO wallet.transfers (debit_account_id, credit_account_id, amount, currency, kind, reference)
         VALUES ($1, $2, $3, 'EUR', 'deposit', 'x')`,
        [debit, credit, amount],
      );
    expect((await sqlState(() => insert(w.clearing, w.held, 0n))).code).toBe('23514');
    expect((await sqlState(() => insert(w.clearing, w.held, -5n))).code).toBe('23514');
    expect((await sqlState(() => insert(w.cash, w.cash, 5n))).code).toBe('23514');
  });
});

describe('the ledger check', () => {
  it('reports ok with every currency summing to zero, with account and transfer counts', async () => {
    await fundedWallet(1_000n, 'EUR');
    await fundedWallet(2_000n, 'GBP');
    const report = await checkLedger(db);
    expect(report.ok).toBe(true);
    expect(report.drift).toEqual([]);
    expect(report.negative).toEqual([]);
    const [counts] = await db.query<{ eur: number; gbp: number }>(
      `SELECT count(*) FILTER (WHERE currency = 'EUR')::int AS eur,
              count(*) FILTER (WHERE currency = 'GBP')::int AS gbp FROM wallet.transfers`,
    );
    const byCurrency = Object.fromEntries(report.currencies.map((c) => [c.currency, c]));
    expect(byCurrency.EUR).toMatchObject({ sum: '0', transfers: counts!.eur });
    expect(byCurrency.GBP).toMatchObject({ sum: '0', transfers: counts!.gbp });
  });

  it('reports drift when a player balance is tampered with by SQL', async () => {
    const w = await fundedWallet(1_000n);
    const report = await inRolledBackTx(async (tx) => {
      await tx.query('UPDATE wallet.accounts SET balance = balance + 250 WHERE id = $1', [w.cash]);
      return checkLedger(tx);
    });

    expect(report.ok).toBe(false);
    expect(report.drift).toEqual([
      {
        accountId: w.cash.toString(),
        ownerId: w.ownerId,
        kind: 'player_cash',
        balance: '1250',
        expected: '1000',
      },
    ]);
    expect(report.currencies.find((c) => c.currency === 'EUR')?.sum).toBe('250');
    // The tampering was rolled back: the ledger holds again.
    expect((await checkLedger(db)).ok).toBe(true);
  });

  it('reports a negative player balance if the constraint were ever lifted', async () => {
    const w = await fundedWallet(100n);
    const report = await inRolledBackTx(async (tx) => {
      await tx.query('ALTER TABLE wallet.accounts DROP CONSTRAINT player_balance_not_negative');
      await tx.query(
        `UPDATE wallet.accounts SET balance = balance + CASE kind WHEN 'player_cash' THEN -150 ELSE 150 END
         WHERE owner_id = $1`,
        [w.ownerId],
      );
      return checkLedger(tx);
    });
    expect(report.ok).toBe(false);
    expect(report.negative).toEqual([{ accountId: w.cash.toString(), balance: '-50' }]);
  });
});
