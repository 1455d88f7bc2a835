import { describe, expect, it } from 'vitest';
import { useTestApp } from '../support/app.ts';
import { expectProblem, postWithdrawal } from '../support/wallet-helpers.ts';

describe('the ledger check over HTTP', () => {
  const t = useTestApp();

  it('reports each currency summing to zero on its own for players in EUR and GBP', async () => {
    const [eur, gbp] = await Promise.all([t.player(), t.player({ currency: 'GBP' })]);
    await t.deposit(eur, 12_345n);
    await t.deposit(gbp, 6_789n);
    expect((await postWithdrawal(t, gbp, '789')).status).toBe(201);

    const admin = await t.staff(['admin']);
    const response = await t.api.get('/api/v1/admin/ledger/check', { token: admin.token });

    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      ok: true,
      currencies: [
        // Player cash + held and PSP clearing, one deposit.
        { currency: 'EUR', sum: '0', accounts: 3, transfers: 1 },
        // A deposit and a withdrawal.
        { currency: 'GBP', sum: '0', accounts: 3, transfers: 2 },
      ],
      drift: [],
      negative: [],
    });
    expect(await t.balance(gbp)).toBe(6_000n);
    // Each currency's PSP clearing account mirrors what its players hold.
    const clearing = await t.db.query<{ currency: string; balance: string }>(
      `SELECT a.currency,
              (COALESCE((SELECT sum(amount) FROM wallet.transfers WHERE credit_account_id = a.id), 0)
             - COALESCE((SELECT sum(amount) FROM wallet.transfers WHERE debit_account_id = a.id), 0))::text AS balance
       FROM wallet.accounts a WHERE a.kind = 'psp_clearing' ORDER BY a.currency`,
    );
    expect(clearing).toEqual([
      { currency: 'EUR', balance: '-12345' },
      { currency: 'GBP', balance: '-6000' },
    ]);
  });

  it('is only for staff with the ledger:read permission', async () => {
    const player = await t.player();
    const trader = await t.trader();
    expectProblem(
      await t.api.get('/api/v1/admin/ledger/check', { token: player.token }),
      403,
      'forbidden',
    );
    const refused = await t.api.get('/api/v1/admin/ledger/check', { token: trader.token });
    expectProblem(refused, 403, 'forbidden');
    expect(refused.body.permission).toBe('ledger:read');
    expectProblem(await t.api.get('/api/v1/admin/ledger/check'), 401, 'unauthenticated');
  });
});
