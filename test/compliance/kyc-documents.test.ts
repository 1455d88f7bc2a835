// Identity verification: none → pending (a document) → verified / rejected by a reviewer
// with notes; deposits and bets wait for it where the jurisdiction says so; documents are
// checked by size and by their content's type, stored in object storage (a directory, or S3
// with server-side encryption), and every viewing is audited.
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Player, TestApp } from '../support/app.ts';
import { useTestApp } from '../support/app.ts';
import { legOn, placeBet } from '../support/betting-helpers.ts';
import { expectProblem } from '../support/identity-helpers.ts';
import { postDeposit } from '../support/wallet-helpers.ts';

const PNG = Buffer.concat([
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  Buffer.from('IHDR a small image body'),
]);
const PDF = Buffer.from('%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n');

function multipart(content: Buffer, filename: string, type: string) {
  const boundary = `----ibet${randomUUID()}`;
  const head = `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${filename}"\r\nContent-Type: ${type}\r\n\r\n`;
  return {
    body: Buffer.concat([Buffer.from(head), content, Buffer.from(`\r\n--${boundary}--\r\n`)]),
    contentType: `multipart/form-data; boundary=${boundary}`,
  };
}

function upload(
  t: TestApp,
  player: Player,
  content: Buffer,
  options: { kind?: string; filename?: string; type?: string } = {},
) {
  const part = multipart(content, options.filename ?? 'passport.png', options.type ?? 'image/png');
  return t.api.request(
    'POST',
    `/api/v1/me/kyc/documents?kind=${options.kind ?? 'passport'}`,
    part.body,
    { token: player.token, headers: { 'content-type': part.contentType } },
  );
}

function review(t: TestApp, token: string, playerId: string, decision: string, note: string) {
  return t.api.post(`/api/v1/admin/players/${playerId}/kyc/reviews`, { decision, note }, { token });
}

describe('identity verification', () => {
  const storage = mkdtempSync(path.join(tmpdir(), 'ibet-kyc-'));
  const t = useTestApp({ env: { IBET_KYC_STORAGE: storage, IBET_KYC_MAX_BYTES: '4096' } });

  it('keeps a British player from depositing and betting until a reviewer verifies them', async () => {
    const player = await t.player({ country: 'GB', currency: 'GBP' });
    const overview = await t.api.get('/api/v1/me/responsible-gambling', { token: player.token });
    expect(overview.body).toMatchObject({
      jurisdiction: { id: 'uk', currency: 'GBP' },
      kyc: { status: 'none', requiredBeforeDeposit: true, requiredBeforeBet: true },
    });
    expectProblem(await postDeposit(t, player, '1000'), 403, 'kyc_required');
    const event = await t.event();
    expectProblem(
      await placeBet(t, player, { stake: '100', legs: [legOn(event.markets[0].selections[0])] }),
      403,
      'kyc_required',
    );

    const uploaded = await upload(t, player, PNG);
    expect(uploaded.status, JSON.stringify(uploaded.body)).toBe(201);
    expect(uploaded.body).toMatchObject({
      kind: 'passport',
      contentType: 'image/png',
      sizeBytes: PNG.length,
      sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    expect(existsSync(path.join(storage, player.id, uploaded.body.id))).toBe(true);
    const mine = await t.api.get('/api/v1/me/kyc', { token: player.token });
    expect(mine.body).toMatchObject({ status: 'pending', documents: [{ id: uploaded.body.id }] });
    expectProblem(await postDeposit(t, player, '1000'), 403, 'kyc_required');

    const support = await t.staff(['support']);
    const queue = await t.api.get('/api/v1/admin/kyc?status=pending', { token: support.token });
    expect(queue.body.items.map((i: { playerId: string }) => i.playerId)).toContain(player.id);
    const decided = await review(t, support.token, player.id, 'verified', 'Passport matches.');
    expect(decided.status, JSON.stringify(decided.body)).toBe(201);
    expect(decided.body).toMatchObject({
      status: 'verified',
      age: expect.any(Number),
      minimumAge: 18,
      reviews: [{ reviewerId: support.id, decision: 'verified', note: 'Passport matches.' }],
    });
    expect((await postDeposit(t, player, '1000')).status).toBe(201);
    expect(
      (await placeBet(t, player, { stake: '100', legs: [legOn(event.markets[0].selections[0])] }))
        .status,
    ).toBe(201);
    const [audited] = await t.db.query<{ details: any }>(
      `SELECT details FROM audit.events WHERE action = 'kyc.reviewed' AND target_id = $1`,
      [player.id],
    );
    expect(audited?.details).toMatchObject({ before: 'pending', after: 'verified' });
  });

  it('refuses an oversized document and one whose content is no image or PDF, whatever its name, storing nothing', async () => {
    const player = await t.player();
    const before = readdirSync(storage).length;
    const big = Buffer.concat([PNG, Buffer.alloc(5000)]);
    expect(expectProblem(await upload(t, player, big), 422, 'document_too_large').maxBytes).toBe(
      4096,
    );
    const script = Buffer.from('#!/bin/sh\necho pretending to be a picture\n');
    expectProblem(
      await upload(t, player, script, { filename: 'passport.jpg', type: 'image/jpeg' }),
      422,
      'document_type_not_allowed',
    );
    const empty = await upload(t, player, Buffer.alloc(0));
    expectProblem(empty, 400, 'document_invalid');
    const json = await t.api.post(
      '/api/v1/me/kyc/documents?kind=passport',
      {},
      {
        token: player.token,
      },
    );
    expect(json.status).toBeGreaterThanOrEqual(400);
    expect(json.status).toBeLessThan(500);

    expect(readdirSync(storage).length).toBe(before);
    const [rows] = await t.db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM compliance.kyc_documents WHERE player_id = $1',
      [player.id],
    );
    expect(rows!.n).toBe(0);
    const mine = await t.api.get('/api/v1/me/kyc', { token: player.token });
    expect(mine.body.status).toBe('none');
    const [audited] = await t.db.query<{ codes: string[] }>(
      `SELECT array_agg(details->>'code' ORDER BY id) AS codes FROM audit.events
       WHERE action = 'responsible.refused' AND actor_id = $1`,
      [player.id],
    );
    expect(audited!.codes).toEqual([
      'document_too_large',
      'document_type_not_allowed',
      'document_invalid',
      'document_invalid',
    ]);
  });

  it('lets a rejected player upload again, keeps notes, and decides only pending verifications', async () => {
    const player = await t.player();
    const compliance = await t.staff(['compliance']);
    expectProblem(
      await review(t, compliance.token, player.id, 'verified', 'Nothing to look at.'),
      409,
      'kyc_not_reviewable',
    );
    expect((await upload(t, player, PDF, { kind: 'proof_of_address' })).status).toBe(201);
    expect(
      (await review(t, compliance.token, player.id, 'note', 'Asked for a clearer scan.')).body,
    ).toMatchObject({ status: 'pending' });
    const rejected = await review(
      t,
      compliance.token,
      player.id,
      'rejected',
      'Address unreadable.',
    );
    expect(rejected.body.status).toBe('rejected');
    expectProblem(
      await review(t, compliance.token, player.id, 'verified', 'Changed my mind.'),
      409,
      'kyc_not_reviewable',
    );
    expect((await upload(t, player, PNG, { kind: 'id_card' })).status).toBe(201);
    const again = await t.api.get(`/api/v1/admin/players/${player.id}/kyc`, {
      token: compliance.token,
    });
    expect(again.body).toMatchObject({ status: 'pending' });
    expect(again.body.documents).toHaveLength(2);
    expect(again.body.reviews.map((r: { decision: string }) => r.decision)).toEqual([
      'rejected',
      'note',
    ]);

    const trader = await t.trader();
    expectProblem(
      await review(t, trader.token, player.id, 'verified', 'Not mine to decide.'),
      403,
      'forbidden',
    );
  });

  it('serves a document to a reviewer with its type and audits each viewing', async () => {
    const player = await t.player();
    const uploaded = await upload(t, player, PDF, {
      filename: 'bill.pdf',
      type: 'application/pdf',
    });
    const support = await t.staff(['support']);
    const file = await t.api.get(`/api/v1/admin/kyc/documents/${uploaded.body.id}`, {
      token: support.token,
    });
    expect(file.status).toBe(200);
    expect(file.headers['content-type']).toBe('application/pdf');
    expect(file.headers['cache-control']).toBe('no-store');
    expect(file.body).toBe(PDF.toString());
    const [viewed] = await t.db.query<{ actor_id: string }>(
      `SELECT actor_id FROM audit.events WHERE action = 'kyc.document_viewed' AND target_id = $1`,
      [player.id],
    );
    expect(viewed?.actor_id).toBe(support.id);
    expect(
      (await t.api.get(`/api/v1/admin/kyc/documents/${uploaded.body.id}`, { token: player.token }))
        .status,
    ).toBe(403);
  });
});

describe('identity documents on S3', () => {
  const requests: {
    method: string;
    url: string;
    headers: IncomingMessage['headers'];
    size: number;
  }[] = [];
  const objects = new Map<string, Buffer>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      requests.push({
        method: req.method!,
        url: req.url!,
        headers: req.headers,
        size: body.length,
      });
      const key = req.url!.split('?')[0]!;
      if (req.method === 'PUT') {
        objects.set(key, body);
        res.writeHead(200, { etag: '"0"' }).end();
      } else if (req.method === 'GET' && objects.has(key)) {
        res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(objects.get(key));
      } else res.writeHead(404).end();
    });
  });
  const env: Record<string, string> = {
    IBET_KYC_STORAGE: 's3://ibet-kyc/documents',
    AWS_REGION: 'eu-west-1',
  };
  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    process.env.AWS_ACCESS_KEY_ID = 'test';
    process.env.AWS_SECRET_ACCESS_KEY = 'test';
    // Read when the app below starts (its beforeAll runs after this one).
    env.IBET_AWS_ENDPOINT = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const t = useTestApp({ env });

  it('writes each document to the bucket with server-side encryption requested, and reads it back', async () => {
    const player = await t.player();
    const uploaded = await upload(t, player, PNG);
    expect(uploaded.status, JSON.stringify(uploaded.body)).toBe(201);
    const put = requests.find((r) => r.method === 'PUT');
    expect(put?.url.split('?')[0]).toBe(`/ibet-kyc/documents/${player.id}/${uploaded.body.id}`);
    expect(put?.headers['x-amz-server-side-encryption']).toBe('AES256');
    expect(put?.headers['content-type']).toBe('image/png');
    const support = await t.staff(['support']);
    const file = await t.api.get(`/api/v1/admin/kyc/documents/${uploaded.body.id}`, {
      token: support.token,
    });
    expect(file.status).toBe(200);
    expect(file.headers['content-type']).toBe('image/png');
  });
});
