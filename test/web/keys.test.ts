// The idempotency-key rule of the web apps (docs/api.md, "Idempotency"): a retry of the same
// money request after an unknown outcome reuses its key; anything else gets a new one.
import { describe, expect, it } from 'vitest';
import { hasPending, newKey, withIdempotencyKey } from '../../web/src/lib/keys.ts';

class Lost extends Error {}
class Refused extends Error {}
const unknown = (error: unknown) => error instanceof Lost;

/** Runs one attempt and returns the key it was sent with. */
async function attempt(purpose: string, body: unknown, outcome: 'ok' | 'lost' | 'refused') {
  let sent = '';
  await withIdempotencyKey(
    purpose,
    body,
    async (key) => {
      sent = key;
      if (outcome === 'lost') throw new Lost();
      if (outcome === 'refused') throw new Refused();
      return key;
    },
    unknown,
  ).catch((error) => {
    if (!(error instanceof Lost || error instanceof Refused)) throw error;
  });
  return sent;
}

describe('idempotency keys of money requests', () => {
  it('are version-4 UUIDs, different every time', () => {
    const a = newKey();
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(newKey()).not.toBe(a);
  });

  it('should reuse the key when the same request is retried after a lost answer', async () => {
    const body = { stake: '500', legs: [{ selectionId: 's1', price: '2.10' }] };
    const first = await attempt('bet:s1', body, 'lost');
    expect(hasPending('bet:s1')).toBe(true);
    const retry = await attempt('bet:s1', { ...body }, 'lost');
    expect(retry).toBe(first);
    const done = await attempt('bet:s1', body, 'ok');
    expect(done).toBe(first);
    expect(hasPending('bet:s1')).toBe(false);
  });

  it('should not reuse the key once the server answered for sure', async () => {
    const body = { amount: '2000' };
    const first = await attempt('deposit', body, 'ok');
    expect(await attempt('deposit', body, 'ok')).not.toBe(first);
    const refused = await attempt('deposit', body, 'refused');
    expect(hasPending('deposit')).toBe(false);
    expect(await attempt('deposit', body, 'ok')).not.toBe(refused);
  });

  it('should use a new key when the request changed (another amount, a new price)', async () => {
    const first = await attempt('withdrawal', { amount: '1000' }, 'lost');
    const other = await attempt('withdrawal', { amount: '1500' }, 'lost');
    expect(other).not.toBe(first);
    // The key of the changed request is now the one kept.
    expect(await attempt('withdrawal', { amount: '1500' }, 'ok')).toBe(other);
  });

  it('keeps the keys of different purposes apart', async () => {
    const body = { amount: '100' };
    const deposit = await attempt('deposit', body, 'lost');
    const withdrawal = await attempt('withdrawal', body, 'lost');
    expect(withdrawal).not.toBe(deposit);
    expect(await attempt('deposit', body, 'ok')).toBe(deposit);
    expect(await attempt('withdrawal', body, 'ok')).toBe(withdrawal);
  });
});
