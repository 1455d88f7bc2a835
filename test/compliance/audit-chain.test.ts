import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonical } from '../../src/modules/audit/chain.ts';
import { verifyChains } from '../../src/modules/audit/index.ts';
import { useTestApp } from '../support/app.ts';
import { postDeposit, postWithdrawal } from '../support/wallet-helpers.ts';

describe('audit trail: money moves and the hash chain', () => {
  const t = useTestApp();

  it('records a deposit in the same transaction with actor, IP, request id and balances before and after', async () => {
    const player = await t.player();
    const response = await postDeposit(t, player, '5000');
    expect(response.status).toBe(201);
    const rows = await t.db.query<{
      actor_id: string;
      actor_kind: string;
      target_type: string;
      target_id: string;
      ip: string | null;
      request_id: string | null;
      details: any;
    }>(
      `SELECT actor_id, actor_kind, target_type, target_id, ip, request_id, details
       FROM audit.events WHERE action = 'wallet.transfer' AND target_id = $1`,
      [response.body.id],
    );
    expect(rows).toHaveLength(1);
    const [row] = rows;
    expect(row).toMatchObject({
      actor_id: player.id,
      actor_kind: 'player',
      target_type: 'payment',
      ip: '127.0.0.1',
      request_id: response.headers['x-request-id'],
    });
    expect(row!.details.transfers).toEqual([
      expect.objectContaining({ kind: 'deposit', amount: '5000', currency: 'EUR' }),
    ]);
    expect(row!.details.balances).toEqual([
      expect.objectContaining({
        owner: player.id,
        kind: 'player_cash',
        before: '0',
        after: '5000',
      }),
    ]);
    expect((await verifyChains(t.db)).ok).toBe(true);
  });

  it('writes no audit record for a transfer that is refused', async () => {
    const player = await t.player();
    const [{ n: before }] = (await t.db.query<{ n: bigint }>(
      'SELECT count(*)::bigint AS n FROM audit.events',
    )) as [{ n: bigint }];
    const response = await postWithdrawal(t, player, '100');
    expect(response.status).toBe(422);
    const [{ n: after }] = (await t.db.query<{ n: bigint }>(
      `SELECT count(*)::bigint AS n FROM audit.events WHERE action = 'wallet.transfer'
       AND details->'balances' @> $1::jsonb`,
      [JSON.stringify([{ owner: player.id }])],
    )) as [{ n: bigint }];
    expect(after).toBe(0n);
    expect(before).toBeGreaterThan(0n);
  });

  it('seals every record into a chain link at commit, continuing the previous hash', async () => {
    const player = await t.player();
    await t.deposit(player, '700');
    const links = await t.db.query<{ event_id: bigint; chain: number; seq: bigint }>(
      `SELECT l.event_id, l.chain, l.seq FROM audit.chain_links l
       JOIN audit.events e ON e.id = l.event_id WHERE e.actor_id = $1`,
      [player.id],
    );
    expect(links.length).toBeGreaterThan(0);
    const [{ unsealed }] = (await t.db.query<{ unsealed: bigint }>(
      `SELECT count(*)::bigint AS unsealed FROM audit.events e
       WHERE NOT EXISTS (SELECT 1 FROM audit.chain_links l WHERE l.event_id = e.id)`,
    )) as [{ unsealed: bigint }];
    expect(unsealed).toBe(0n);
    const report = await verifyChains(t.db);
    expect(report).toMatchObject({ ok: true, broken: [] });
    expect(report.records).toBeGreaterThan(0);
  });

  it('refuses to change or remove an audit record', async () => {
    const [row] = await t.db.query<{ id: bigint }>('SELECT id FROM audit.events LIMIT 1');
    await expect(
      t.db.query(`UPDATE audit.events SET action = 'auth.nothing' WHERE id = $1`, [row!.id]),
    ).rejects.toMatchObject({ code: '55000' });
    await expect(
      t.db.query('DELETE FROM audit.events WHERE id = $1', [row!.id]),
    ).rejects.toMatchObject({
      code: '55000',
    });
    await expect(
      t.db.query('DELETE FROM audit.chain_links WHERE event_id = $1', [row!.id]),
    ).rejects.toMatchObject({ code: '55000' });
  });

  it('hashes the same canonical JSON as the database for any record content', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.string({ maxLength: 40, unit: 'binary' }),
        fc.dictionary(
          fc.string({ maxLength: 8, unit: 'binary' }),
          fc.oneof(fc.string({ unit: 'binary', maxLength: 12 }), fc.integer(), fc.boolean()),
          { maxKeys: 4 },
        ),
        async (targetId, details) => {
          // PostgreSQL text cannot hold NUL.
          const clean = (s: string) => s.replaceAll('\u0000', '');
          const cleanDetails = Object.fromEntries(
            Object.entries(details).map(([k, v]) => [
              clean(k),
              typeof v === 'string' ? clean(v) : v,
            ]),
          );
          const [row] = await t.db.query<{ text: string; at: string; details: string }>(
            `SELECT audit.canonical(3, 9, y.r) AS text,
                    to_char((y.r).at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS at,
                    (y.r).details::text AS details
             FROM (SELECT ROW(42, now(), $1::uuid, 'staff', 'staff.test', 'thing', $2::text, 'success',
                              '10.0.0.1', NULL, $3::jsonb)::audit.events AS r) y`,
            [randomUUID(), clean(targetId), JSON.stringify(cleanDetails)],
          );
          const ours = canonical({
            chain: 3,
            seq: '9',
            id: '42',
            at: row!.at,
            actorId: JSON.parse(row!.text)[4],
            actorKind: 'staff',
            action: 'staff.test',
            targetType: 'thing',
            targetId: clean(targetId),
            outcome: 'success',
            ip: '10.0.0.1',
            requestId: null,
            details: row!.details,
          });
          expect(ours).toBe(row!.text);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('verifies the chains through the admin endpoint, for staff with audit:read only', async () => {
    const compliance = await t.staff(['compliance']);
    const trader = await t.staff(['trader']);
    const refused = await t.api.post('/api/v1/admin/audit/verify', undefined, {
      token: trader.token,
    });
    expect(refused.status).toBe(403);
    const response = await t.api.post('/api/v1/admin/audit/verify', undefined, {
      token: compliance.token,
    });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ ok: true, broken: [], archivedRecords: 0 });
    expect(response.body.chains).toHaveLength(16);
    const [logged] = await t.db.query<{ actor_id: string; outcome: string }>(
      `SELECT actor_id, outcome FROM audit.events WHERE action = 'audit.verified' ORDER BY id DESC LIMIT 1`,
    );
    expect(logged).toEqual({ actor_id: compliance.id, outcome: 'success' });
  });
});
