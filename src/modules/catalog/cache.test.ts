// The catalogue cache of API processes: answers kept for their time, dropped on a change, one
// load for concurrent misses, nothing kept that was read before a change.
import { describe, expect, it } from 'vitest';
import { createCatalogueCache } from './cache.ts';

function fakeReply() {
  const types: string[] = [];
  return {
    types,
    type(contentType: string) {
      types.push(contentType);
    },
    serialize: (value: unknown) => JSON.stringify(value),
  };
}

describe('catalogue cache', () => {
  it('answers a repeated read from memory as the JSON text of the first answer', async () => {
    let loads = 0;
    const cache = createCatalogueCache(1000);
    const load = async () => ({ n: ++loads });
    const first = await cache.reply({ url: '/api/v1/sports' }, fakeReply(), load);
    const reply = fakeReply();
    const second = await cache.reply({ url: '/api/v1/sports' }, reply, load);
    expect(first).toBe('{"n":1}');
    expect(second).toBe('{"n":1}');
    expect(reply.types).toEqual(['application/json; charset=utf-8']);
    expect(loads).toBe(1);
    // Another query is another answer.
    expect(await cache.reply({ url: '/api/v1/sports?x=1' }, fakeReply(), load)).toBe('{"n":2}');
  });

  it('reads again after a catalogue change and after its time runs out', async () => {
    let clock = 0;
    let loads = 0;
    const cache = createCatalogueCache(1000, () => clock);
    const load = async () => ++loads;
    const read = () => cache.reply({ url: '/api/v1/events' }, fakeReply(), load);
    expect(await read()).toBe('1');
    cache.invalidate();
    expect(await read()).toBe('2');
    clock = 999;
    expect(await read()).toBe('2');
    clock = 1000;
    expect(await read()).toBe('3');
  });

  it('loads once for concurrent misses and keeps nothing read before a change', async () => {
    let loads = 0;
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const cache = createCatalogueCache(1000);
    const load = async () => {
      loads++;
      await gate;
      return 'old';
    };
    const a = cache.reply({ url: '/api/v1/events/1' }, fakeReply(), load);
    const b = cache.reply({ url: '/api/v1/events/1' }, fakeReply(), load);
    cache.invalidate(); // the catalogue changed while the read was in flight
    release();
    expect(await Promise.all([a, b])).toEqual(['"old"', '"old"']);
    expect(loads).toBe(1);
    expect(cache.size).toBe(0);
    expect(await cache.reply({ url: '/api/v1/events/1' }, fakeReply(), async () => 'new')).toBe(
      '"new"',
    );
  });

  it('with no time to keep, loads every read and returns the answer itself', async () => {
    let loads = 0;
    const cache = createCatalogueCache(0);
    const reply = fakeReply();
    expect(await cache.reply({ url: '/x' }, reply, async () => ({ n: ++loads }))).toEqual({ n: 1 });
    expect(await cache.reply({ url: '/x' }, reply, async () => ({ n: ++loads }))).toEqual({ n: 2 });
    expect(reply.types).toEqual([]);
  });

  it('does not keep a failed read', async () => {
    const cache = createCatalogueCache(1000);
    await expect(
      cache.reply({ url: '/e' }, fakeReply(), async () => {
        throw new Error('not found');
      }),
    ).rejects.toThrow('not found');
    expect(await cache.reply({ url: '/e' }, fakeReply(), async () => 1)).toBe('1');
  });
});
