// The support desk: finding a player by email, name or id; a player's profile with balances,
// KYC, exclusion, open bets and notes; append-only, audited support notes; and refusals for
// those without the permission, with nothing written.
import { describe, expect, it } from 'vitest';
import { useTestApp } from '../support/app.ts';
import { legOn, placedBet } from '../support/betting-helpers.ts';
import { countRows, expectProblem } from '../support/identity-helpers.ts';

const search = (q: string, extra = '') =>
  `/api/v1/admin/players?q=${encodeURIComponent(q)}${extra}`;

describe('support desk: players', () => {
  const t = useTestApp();

  it('finds a player by email prefix (any case), display name and exact id', async () => {
    const player = await t.player();
    const support = await t.staff(['support']);
    const prefix = player.email.slice(0, 12).toUpperCase();
    const byEmail = await t.api.get(search(prefix), { token: support.token });
    expect(byEmail.status, JSON.stringify(byEmail.body)).toBe(200);
    expect(byEmail.body.items.map((p: any) => p.id)).toEqual([player.id]);
    expect(byEmail.body.items[0]).toMatchObject({
      id: player.id,
      email: player.email,
      displayName: 'Test Player',
      country: 'IE',
      currency: 'EUR',
      emailVerified: false,
      status: 'active',
      kycStatus: 'none',
      createdAt: expect.any(String),
    });

    const byId = await t.api.get(search(player.id.toUpperCase()), { token: support.token });
    expect(byId.body.items.map((p: any) => p.id)).toEqual([player.id]);

    // The email's middle is no prefix: not found by email.
    const middle = await t.api.get(search(player.email.slice(3, 15)), { token: support.token });
    expect(middle.body.items).toEqual([]);

    const byName = await t.api.get(search('st play', '&limit=100'), { token: support.token });
    expect(byName.body.items.map((p: any) => p.id)).toContain(player.id);
  });

  it('pages through matches newest first with a cursor', async () => {
    const support = await t.staff(['support']);
    const players = [await t.player(), await t.player(), await t.player()];
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: any = await t.api.get(
        search('p-', `&limit=2${cursor ? `&cursor=${cursor}` : ''}`),
        { token: support.token },
      );
      expect(page.status).toBe(200);
      expect(page.body.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.body.items.map((p: any) => p.id));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(new Set(seen).size).toBe(seen.length);
    const newest = players.map((p) => p.id).reverse();
    expect(seen.filter((id) => newest.includes(id))).toEqual(newest);
    expect(seen.slice(0, 3)).toEqual(newest);
  });

  it('marks a player under a time-out as excluded', async () => {
    const player = await t.player();
    const support = await t.staff(['support']);
    const taken = await t.api.post('/api/v1/me/time-out', { hours: 48 }, { token: player.token });
    expect(taken.status, JSON.stringify(taken.body)).toBe(201);
    const found = await t.api.get(search(player.id), { token: support.token });
    expect(found.body.items[0].status).toBe('excluded');
    const profile = await t.api.get(`/api/v1/admin/players/${player.id}`, {
      token: support.token,
    });
    expect(profile.body).toMatchObject({
      status: 'excluded',
      exclusion: { kind: 'time_out', endsAt: expect.any(String) },
    });
  });

  it('shows the profile with balances, open bets and notes, newest note first', async () => {
    const player = await t.player();
    await t.deposit(player, 5000n);
    const support = await t.staff(['support']);
    const url = `/api/v1/admin/players/${player.id}`;

    const empty = await t.api.get(url, { token: support.token });
    expect(empty.status, JSON.stringify(empty.body)).toBe(200);
    expect(empty.body).toMatchObject({
      id: player.id,
      email: player.email,
      balances: { currency: 'EUR', cash: '5000', inBets: '0', bonus: '0' },
      openBets: 0,
      notes: [],
      exclusion: null,
      kycStatus: 'none',
    });

    const first = await t.api.post(
      `${url}/notes`,
      { text: 'Called about a deposit.' },
      { token: support.token },
    );
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    expect(first.body).toMatchObject({
      authorId: support.id,
      authorName: 'Staff Member',
      text: 'Called about a deposit.',
    });
    const second = await t.api.post(
      `${url}/notes`,
      { text: 'Deposit arrived.' },
      { token: support.token },
    );
    expect(second.status).toBe(201);

    const event = await t.event();
    await placedBet(t, player, { stake: '1000', legs: [legOn(event.markets[0].selections[0])] });

    const profile = await t.api.get(url, { token: support.token });
    expect(profile.body).toMatchObject({
      openBets: 1,
      balances: { currency: 'EUR', cash: '4000', inBets: '1000', bonus: '0' },
    });
    expect(profile.body.notes.map((n: any) => n.text)).toEqual([
      'Deposit arrived.',
      'Called about a deposit.',
    ]);
  });

  it('audits a note in the transaction that writes it', async () => {
    const player = await t.player();
    const compliance = await t.staff(['compliance']);
    const added = await t.api.post(
      `/api/v1/admin/players/${player.id}/notes`,
      { text: 'Asked about limits.' },
      { token: compliance.token },
    );
    expect(added.status, JSON.stringify(added.body)).toBe(201);
    const rows = await t.db.query<{ actor_id: string; details: any }>(
      `SELECT actor_id, details FROM audit.events
       WHERE action = 'support.note_added' AND target_id = $1`,
      [player.id],
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]!.actor_id).toBe(compliance.id);
    expect(rows[0]!.details).toMatchObject({ noteId: added.body.id });
  });

  it('keeps notes append-only', async () => {
    const player = await t.player();
    const support = await t.staff(['support']);
    await t.api.post(
      `/api/v1/admin/players/${player.id}/notes`,
      { text: 'A note.' },
      { token: support.token },
    );
    await expect(
      t.db.query(`UPDATE support.notes SET text = 'changed' WHERE player_id = $1`, [player.id]),
    ).rejects.toThrow(/append-only/);
    await expect(
      t.db.query('DELETE FROM support.notes WHERE player_id = $1', [player.id]),
    ).rejects.toThrow(/append-only/);
  });

  it('refuses players and staff without the permission, writing nothing', async () => {
    const player = await t.player();
    const trader = await t.staff(['trader']);
    const marketing = await t.staff(['marketing']);
    const notesBefore = await countRows(t.db, 'support.notes');

    const byPlayer = await t.api.get(search('p-'), { token: player.token });
    expect(byPlayer.status).toBe(403);
    expect((await t.api.get(search('p-'), { token: trader.token })).status).toBe(403);
    const profile = await t.api.get(`/api/v1/admin/players/${player.id}`, {
      token: trader.token,
    });
    expect(profile.status).toBe(403);
    expect((await t.api.get(search('p-'))).status).toBe(401);

    // players:read does not let one write notes.
    const readable = await t.api.get(`/api/v1/admin/players/${player.id}`, {
      token: marketing.token,
    });
    expect(readable.status).toBe(200);
    for (const token of [player.token, trader.token, marketing.token]) {
      const refused = await t.api.post(
        `/api/v1/admin/players/${player.id}/notes`,
        { text: 'not allowed' },
        { token },
      );
      expect(refused.status).toBe(403);
    }
    expect(await countRows(t.db, 'support.notes')).toBe(notesBefore);
    const audited = await t.db.query(
      `SELECT 1 FROM audit.events WHERE action = 'support.note_added' AND target_id = $1`,
      [player.id],
    );
    expect(audited).toHaveLength(0);
  });

  it('answers bad input with problem+json and writes nothing', async () => {
    const player = await t.player();
    const support = await t.staff(['support']);
    const notesBefore = await countRows(t.db, 'support.notes');
    const auditBefore = await countRows(t.db, 'audit.events');
    const notes = `/api/v1/admin/players/${player.id}/notes`;

    expectProblem(
      await t.api.post(notes, { text: '' }, { token: support.token }),
      400,
      'validation_failed',
    );
    expectProblem(
      await t.api.post(notes, { text: '   ' }, { token: support.token }),
      400,
      'validation_failed',
    );
    expectProblem(
      await t.api.post(notes, { text: 'x'.repeat(2001) }, { token: support.token }),
      400,
      'validation_failed',
    );
    expectProblem(await t.api.post(notes, {}, { token: support.token }), 400, 'validation_failed');
    const unknown = '00000000-0000-4000-8000-000000000000';
    expectProblem(
      await t.api.post(
        `/api/v1/admin/players/${unknown}/notes`,
        { text: 'hello' },
        {
          token: support.token,
        },
      ),
      404,
      'player_not_found',
    );
    // A staff member is no player.
    expectProblem(
      await t.api.post(
        `/api/v1/admin/players/${support.id}/notes`,
        { text: 'hello' },
        {
          token: support.token,
        },
      ),
      404,
      'player_not_found',
    );
    expectProblem(
      await t.api.get(`/api/v1/admin/players/${unknown}`, { token: support.token }),
      404,
      'player_not_found',
    );
    expectProblem(
      await t.api.get('/api/v1/admin/players/not-a-uuid', { token: support.token }),
      400,
      'validation_failed',
    );
    expectProblem(await t.api.get(search(''), { token: support.token }), 400, 'validation_failed');
    expectProblem(
      await t.api.get(search('p-', '&limit=1000'), { token: support.token }),
      400,
      'validation_failed',
    );
    expectProblem(
      await t.api.get(search('p-', '&cursor=bm9wZQ'), { token: support.token }),
      400,
      'invalid_cursor',
    );
    expect(await countRows(t.db, 'support.notes')).toBe(notesBefore);
    const after = await t.db.query<{ action: string }>(
      `SELECT action FROM audit.events ORDER BY id DESC LIMIT $1`,
      [Math.max(0, (await countRows(t.db, 'audit.events')) - auditBefore)],
    );
    expect(after.map((r) => r.action)).not.toContain('support.note_added');
  });

  it('treats LIKE wildcards in the search as plain text', async () => {
    await t.player();
    const support = await t.staff(['support']);
    const found = await t.api.get(search('%'), { token: support.token });
    expect(found.status).toBe(200);
    expect(found.body.items).toEqual([]);
    const underscore = await t.api.get(search('_'), { token: support.token });
    expect(underscore.body.items).toEqual([]);
  });
});
