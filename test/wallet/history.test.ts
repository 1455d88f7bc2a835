import { beforeAll, describe, expect, it } from 'vitest';
import { type Player, useTestApp } from '../support/app.ts';
import { expectProblem, postDeposit, postWithdrawal, testPsp } from '../support/wallet-helpers.ts';

const cursorOf = (text: string) => Buffer.from(text).toString('base64url');

describe('wallet history', () => {
  const psp = testPsp();
  const t = useTestApp({ paymentProvider: psp.provider });
  let player: Player;
  let other: Player;

  beforeAll(async () => {
    [player, other] = await Promise.all([t.player(), t.player()]);
    for (const r of [
      await postDeposit(t, player, '1000'),
      await postDeposit(t, player, '2000'),
      await postWithdrawal(t, player, '500'),
    ])
      expect(r.status).toBe(201);
    psp.behaviour.payout = 'fail';
    expect((await postWithdrawal(t, player, '300')).body.status).toBe('failed');
    psp.reset();
    await t.deposit(other, 7000n);
  });

  const list = (who: Player, query = '') =>
    t.api.get(`/api/v1/wallet/transactions${query}`, { token: who.token });

  it('shows the balance, the currency and the stakes in open bets', async () => {
    const response = await t.api.get('/api/v1/wallet', { token: player.token });
    expect(response.body).toEqual({ currency: 'EUR', balance: '2500', inBets: '0' });
  });

  it('lists signed cash movements newest first', async () => {
    const response = await list(player);
    expect(response.status).toBe(200);
    expect(response.body.nextCursor).toBeNull();
    expect(response.body.items.map((i: any) => [i.kind, i.amount, i.currency])).toEqual([
      ['withdrawal_reversal', '300', 'EUR'],
      ['withdrawal', '-300', 'EUR'],
      ['withdrawal', '-500', 'EUR'],
      ['deposit', '2000', 'EUR'],
      ['deposit', '1000', 'EUR'],
    ]);
    const ids = response.body.items.map((i: any) => BigInt(i.id));
    expect([...ids].sort((a, b) => (a > b ? -1 : 1))).toEqual(ids);
    for (const item of response.body.items) {
      expect(item.reference).toMatch(/^payment:[0-9a-f-]{36}$/);
      expect(Number.isNaN(Date.parse(item.createdAt))).toBe(false);
    }
    // The movements add up to the balance.
    const sum = response.body.items.reduce((s: bigint, i: any) => s + BigInt(i.amount), 0n);
    expect(sum).toBe(await t.balance(player));
  });

  it('walks every movement exactly once with limit=2 and ends with a null cursor', async () => {
    const all = (await list(player, '?limit=100')).body.items.map((i: any) => i.id);
    const walked: string[] = [];
    const pageSizes: number[] = [];
    let cursor: string | null = null;
    do {
      const query: string = `?limit=2${cursor ? `&cursor=${cursor}` : ''}`;
      const page = await list(player, query);
      expect(page.status).toBe(200);
      walked.push(...page.body.items.map((i: any) => i.id));
      pageSizes.push(page.body.items.length);
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(walked).toEqual(all);
    expect(pageSizes).toEqual([2, 2, 1]);
  });

  it('gives no next cursor when the last page is exactly full', async () => {
    const page = await list(player, '?limit=5');
    expect(page.body.items).toHaveLength(5);
    expect(page.body.nextCursor).toBeNull();
    const first = await list(player, '?limit=4');
    const rest = await list(player, `?limit=1&cursor=${first.body.nextCursor}`);
    expect(rest.body.items).toHaveLength(1);
    expect(rest.body.nextCursor).toBeNull();
  });

  it('accepts a cursor at the top of the bigint range (everything is older)', async () => {
    const page = await list(player, `?limit=100&cursor=${cursorOf('t:9223372036854775807')}`);
    expect(page.status).toBe(200);
    expect(page.body.items).toHaveLength(5);
  });

  it('lists nothing for a player without movements', async () => {
    const fresh = await t.player();
    expect((await list(fresh)).body).toEqual({ items: [], nextCursor: null });
  });

  it.each([
    ['not base64 of a cursor', 'not-a-cursor'],
    ['of another shape', cursorOf('x:5')],
    ['of transfer 0', cursorOf('t:0')],
    ['with a negative id', cursorOf('t:-1')],
    ['with trailing text', cursorOf('t:12abc')],
    ['beyond the bigint range', cursorOf('t:9999999999999999999')],
    ['of 20 digits', cursorOf('t:12345678901234567890')],
  ])('refuses a forged cursor %s with 400 invalid_cursor', async (_what, cursor) => {
    expectProblem(await list(player, `?cursor=${cursor}`), 400, 'invalid_cursor');
  });

  it('refuses an overlong cursor with 400 validation_failed', async () => {
    expectProblem(await list(player, `?cursor=${'a'.repeat(201)}`), 400, 'validation_failed');
  });

  it.each(['0', '101', '-1', '1.5', 'ten'])(
    'refuses limit=%s with 400 validation_failed',
    async (limit) => {
      expectProblem(await list(player, `?limit=${limit}`), 400, 'validation_failed');
    },
  );

  it("never shows another player's movements, even with their cursor", async () => {
    const mine = (await list(player, '?limit=100')).body.items.map((i: any) => i.id);
    const theirs = await list(other, '?limit=100');
    expect(theirs.body.items.map((i: any) => [i.kind, i.amount])).toEqual([['deposit', '7000']]);
    expect(theirs.body.items.some((i: any) => mine.includes(i.id))).toBe(false);

    const myFirstPage = await list(player, '?limit=1');
    const withMyCursor = await list(other, `?limit=100&cursor=${myFirstPage.body.nextCursor}`);
    expect(withMyCursor.status).toBe(200);
    expect(withMyCursor.body.items.some((i: any) => mine.includes(i.id))).toBe(false);
  });

  it('refuses the history without a player token', async () => {
    expectProblem(await t.api.get('/api/v1/wallet/transactions'), 401, 'unauthenticated');
    const staff = await t.staff(['support']);
    expectProblem(await list(staff as unknown as Player), 403, 'forbidden');
  });
});
