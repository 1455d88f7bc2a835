import { beforeAll, describe, expect, it } from 'vitest';
import type { Staff } from '../../../test/support/app.ts';
import { useTestApp } from '../../../test/support/app.ts';
import {
  competition,
  expectProblem,
  inHours,
  twoWayMarket,
} from '../../../test/support/betting-helpers.ts';

describe('reading the catalogue', () => {
  const t = useTestApp();
  let trader: Staff;
  let premier: string;
  let liga: string;
  let atp: string;
  /** Upcoming events by name, in the order the listing must show them. */
  const upcoming: { id: string; name: string; startsAt: string; competitionId: string }[] = [];
  let startedId: string;
  let endedId: string;

  const create = async (competitionId: string, name: string, startsAt: string) => {
    const response = await t.api.post(
      '/api/v1/admin/events',
      { competitionId, name, startsAt, markets: [twoWayMarket()] },
      { token: trader.token },
    );
    if (response.status !== 201) throw new Error(JSON.stringify(response.body));
    return response.body as { id: string; startsAt: string };
  };

  beforeAll(async () => {
    const admin = await t.staff(['admin']);
    trader = await t.trader();
    const football = await competition(
      t,
      admin.token,
      { slug: 'football', name: 'Football' },
      'Premier League',
    );
    premier = football.competitionId;
    const laLiga = await t.api.post(
      '/api/v1/admin/competitions',
      { sportId: football.sportId, name: 'La Liga', country: 'Spain' },
      { token: admin.token },
    );
    liga = laLiga.body.id;
    atp = (await competition(t, admin.token, { slug: 'tennis', name: 'Tennis' }, 'ATP Tour'))
      .competitionId;
    await t.api.post(
      '/api/v1/admin/sports',
      { slug: 'cricket', name: 'Cricket' },
      { token: admin.token },
    );

    // Two events share a start time (ordered by id); one starts at a time with microseconds.
    const sameTime = inHours(5);
    const plan: [string, string, string][] = [
      [premier, 'P1', inHours(2)],
      [atp, 'T1', inHours(3)],
      [liga, 'L1', inHours(4).replace('Z', '456Z')],
      [premier, 'P2', sameTime],
      [premier, 'P3', sameTime],
      [atp, 'T2', inHours(7)],
      [liga, 'L2', inHours(9)],
    ];
    for (const [competitionId, name, startsAt] of plan) {
      const event = await create(competitionId, name, startsAt);
      upcoming.push({ id: event.id, name, startsAt: event.startsAt, competitionId });
    }
    upcoming.sort((a, b) => a.startsAt.localeCompare(b.startsAt) || a.id.localeCompare(b.id));

    // A live event has started but is still listed, first.
    const live = await create(premier, 'Live', inHours(1));
    await t.db.query(
      `UPDATE catalog.events SET status = 'live', starts_at = now() - interval '30 minutes' WHERE id = $1`,
      [live.id],
    );
    upcoming.unshift({ id: live.id, name: 'Live', startsAt: '', competitionId: premier });

    startedId = (await create(premier, 'Started', inHours(1))).id;
    await t.db.query(
      `UPDATE catalog.events SET starts_at = now() - interval '1 minute' WHERE id = $1`,
      [startedId],
    );
    endedId = (await create(premier, 'Ended', inHours(1))).id;
    await t.db.query(`UPDATE catalog.events SET status = 'ended' WHERE id = $1`, [endedId]);
  });

  async function walk(query: string, limit: number): Promise<string[]> {
    const seen: string[] = [];
    let cursor: string | null = null;
    for (let page = 0; page < 50; page++) {
      const url: string = `/api/v1/events?limit=${limit}${query}${cursor ? `&cursor=${cursor}` : ''}`;
      const response = await t.api.get(url);
      expect(response.status).toBe(200);
      expect(response.body.items.length).toBeLessThanOrEqual(limit);
      seen.push(...response.body.items.map((e: any) => e.name));
      cursor = response.body.nextCursor;
      if (!cursor) return seen;
    }
    throw new Error(`the cursor never ended; seen ${seen.join(',')}`);
  }

  it('lists live and upcoming events soonest first with their markets and prices', async () => {
    const response = await t.api.get('/api/v1/events');
    expect(response.status).toBe(200);
    expect(response.body.items.map((e: any) => e.name)).toEqual(upcoming.map((e) => e.name));
    expect(response.body.nextCursor).toBeNull();
    expect(response.body.items[0]).toMatchObject({ name: 'Live', status: 'live' });
    const first = response.body.items[1];
    expect(first).toMatchObject({
      sport: { slug: 'football', name: 'Football' },
      competition: { id: premier, name: 'Premier League' },
      status: 'scheduled',
    });
    expect(first.markets[0].selections.map((s: any) => s.price)).toEqual(['1.90', '1.90']);
  });

  it('walks every upcoming event exactly once with limit=1, following the cursor', async () => {
    expect(await walk('', 1)).toEqual(upcoming.map((e) => e.name));
    expect(await walk('', 2)).toEqual(upcoming.map((e) => e.name));
    expect(await walk('', 3)).toEqual(upcoming.map((e) => e.name));
  });

  it('filters by sport slug, by competition and by both', async () => {
    const names = (competitions: string[]) =>
      upcoming.filter((e) => competitions.includes(e.competitionId)).map((e) => e.name);
    expect(await walk('&sport=football', 1)).toEqual(names([premier, liga]));
    expect(await walk('&sport=tennis', 1)).toEqual(names([atp]));
    expect(await walk(`&competitionId=${liga}`, 1)).toEqual(names([liga]));
    expect(await walk(`&sport=football&competitionId=${premier}`, 10)).toEqual(names([premier]));
    expect(await walk(`&sport=tennis&competitionId=${premier}`, 10)).toEqual([]);
    expect(await walk('&sport=cricket', 10)).toEqual([]);
    expect(await walk('&sport=curling', 10)).toEqual([]);
  });

  it('excludes events that have started or ended, but still shows them by id', async () => {
    const all = await walk('', 100);
    expect(all).not.toContain('Started');
    expect(all).not.toContain('Ended');
    const started = await t.api.get(`/api/v1/events/${startedId}`);
    expect(started.status).toBe(200);
    expect(started.body.name).toBe('Started');
  });

  it('lists sports with their competitions and the number of upcoming events', async () => {
    const response = await t.api.get('/api/v1/sports');
    expect(response.status).toBe(200);
    const shape = response.body.map((s: any) => ({
      slug: s.slug,
      competitions: s.competitions.map((c: any) => [c.name, c.upcomingEvents]),
    }));
    // The counts agree with what GET /api/v1/events lists for each competition.
    expect(shape).toEqual([
      { slug: 'cricket', competitions: [] },
      {
        slug: 'football',
        competitions: [
          ['La Liga', 2],
          ['Premier League', 4],
        ],
      },
      { slug: 'tennis', competitions: [['ATP Tour', 2]] },
    ]);
    const liga = response.body[1].competitions[0];
    expect(liga).toMatchObject({ country: 'Spain' });
  });

  it('answers 404 event_not_found for an unknown event and 400 for a malformed id', async () => {
    expectProblem(
      await t.api.get('/api/v1/events/00000000-0000-4000-8000-000000000000'),
      404,
      'event_not_found',
    );
    expectProblem(await t.api.get('/api/v1/events/12345'), 400, 'validation_failed');
  });

  it('refuses cursors it did not issue and limits outside 1–100 (400)', async () => {
    const forged = Buffer.from('yesterday|not-an-id').toString('base64url');
    const id = upcoming[0]!.id;
    const odd = [
      '1',
      '2030-02-31T00:00:00Z',
      'Tue, 01 Jan 2030 00:00:00 GMT',
      '99999-01-01T00:00:00Z',
      '0000-01-01T00:00:00Z',
      '2030-01-01T24:00:00Z',
    ];
    for (const query of [
      ...odd.map((at) => `cursor=${Buffer.from(`${at}|${id}`).toString('base64url')}`),
      `cursor=${forged}`,
      `cursor=${Buffer.from(`2030-01-01T00:00:00Z|${'-'.repeat(36)}`).toString('base64url')}`,
      'cursor=%%%',
      `cursor=${Buffer.from('2030-01-01T00:00:00Z').toString('base64url')}`,
    ]) {
      expectProblem(await t.api.get(`/api/v1/events?${query}`), 400, 'invalid_cursor');
    }
    for (const query of [
      'limit=0',
      'limit=101',
      'limit=x',
      'sport=Foot%20ball',
      'competitionId=1',
    ]) {
      expectProblem(await t.api.get(`/api/v1/events?${query}`), 400, 'validation_failed');
    }
  });
});
