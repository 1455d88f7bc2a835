// The catalogue cache of API processes (src/modules/catalog/cache.ts) never shows a price
// after it changed: a staff write through this process clears it before the answer, and a
// change committed by anyone else clears it through the commit notification. The cache is
// kept for a minute here, so only a clearing can show the new price.
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { setPrice } from '../../src/modules/catalog/index.ts';
import { useTestApp } from '../support/app.ts';

describe('catalogue cache', () => {
  const t = useTestApp({ env: { IBET_CATALOGUE_CACHE_MS: '60000' } });

  const priceOf = async (eventId: string, selectionId: string) => {
    const response = await t.api.get(`/api/v1/events/${eventId}`);
    expect(response.status).toBe(200);
    const selection = response.body.markets
      .flatMap((m: { selections: { id: string; price: string }[] }) => m.selections)
      .find((s: { id: string }) => s.id === selectionId);
    return selection.price as string;
  };

  it('answers repeated event reads from memory and shows a staff price change at once', async () => {
    const event = await t.event({ prices: ['2.10', '3.40', '3.25'] });
    const selection = event.markets[0].selections[0].id;
    // The event's creation notifies on commit too; let that notification arrive first.
    await new Promise((r) => setTimeout(r, 500));
    expect(await priceOf(event.id, selection)).toBe('2.10');
    // A row changed behind the catalogue's back (no outbox event, no notification) is not
    // seen: the answer comes from memory.
    await t.db.query('UPDATE catalog.selections SET price = 9000 WHERE id = $1', [selection]);
    expect(await priceOf(event.id, selection)).toBe('2.10');

    const trader = await t.trader();
    const changed = await t.api.patch(
      `/api/v1/admin/selections/${selection}`,
      { price: '2.50' },
      { token: trader.token },
    );
    expect(changed.status).toBe(200);
    expect(await priceOf(event.id, selection)).toBe('2.50');
  });

  it('shows a price changed outside this process once its commit is notified', async () => {
    const event = await t.event({ prices: ['2.10', '3.40', '3.25'] });
    const selection = event.markets[0].selections[1].id;
    expect(await priceOf(event.id, selection)).toBe('3.40');
    // Another process's write: straight to the database, nothing passes through this server.
    await t.db.transaction((tx) => setPrice(tx, selection, 3600, randomUUID()));
    const deadline = Date.now() + 5000;
    let seen = await priceOf(event.id, selection);
    while (seen !== '3.60' && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
      seen = await priceOf(event.id, selection);
    }
    expect(seen).toBe('3.60');
  });
});
