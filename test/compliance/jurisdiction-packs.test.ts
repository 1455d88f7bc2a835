// Jurisdiction packs: chosen by the player's country, each with its own minimum age, KYC,
// periods, breaks and exclusions; an operator adjusts or adds packs with a file.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { setUpCompliance } from '../../src/modules/compliance/index.ts';
import { loadConfig } from '../../src/platform/config.ts';
import { PASSWORD, useTestApp } from '../support/app.ts';
import { expectProblem } from '../support/identity-helpers.ts';
import { postDeposit } from '../support/wallet-helpers.ts';

/** A date of birth `years` years ago, give or take `days`. */
function bornYearsAgo(years: number, days = 0): string {
  const d = new Date();
  d.setUTCFullYear(d.getUTCFullYear() - years);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

describe('jurisdiction packs', () => {
  const t = useTestApp();

  const register = (country: string, dateOfBirth: string) =>
    t.api.post('/api/v1/auth/register', {
      email: `j-${Math.random().toString(36).slice(2)}@example.com`,
      password: PASSWORD,
      displayName: 'Jurisdiction Test',
      dateOfBirth,
      country,
      currency: 'EUR',
    });

  it('assigns each player the pack of their country, and other countries the default', async () => {
    for (const [country, pack] of [
      ['GB', 'uk'],
      ['MT', 'mt'],
      ['CA', 'on'],
      ['DE', 'default'],
    ] as const) {
      const player = await t.player({ country });
      const overview = await t.api.get('/api/v1/me/responsible-gambling', {
        token: player.token,
      });
      expect(overview.body.jurisdiction.id, country).toBe(pack);
    }
  });

  it('holds Ontario players to 19 years and Maltese to 18', async () => {
    const eighteen = bornYearsAgo(18, -2);
    const refused = await register('CA', eighteen);
    expect(expectProblem(refused, 422, 'underage')).toMatchObject({
      minimumAge: 19,
      field: 'dateOfBirth',
    });
    expect((await register('MT', eighteen)).status).toBe(201);
    expect((await register('CA', bornYearsAgo(19, -1))).status).toBe(201);
    // The day before the 19th birthday is still too young.
    expectProblem(await register('CA', bornYearsAgo(19, 1)), 422, 'underage');
  });

  it('requires verification before the first deposit in Great Britain and Ontario, not in Malta', async () => {
    const maltese = await t.player({ country: 'MT' });
    expect((await postDeposit(t, maltese, '1000')).status).toBe(201);
    for (const country of ['GB', 'CA']) {
      const player = await t.player({ country });
      expectProblem(await postDeposit(t, player, '1000'), 403, 'kyc_required');
    }
  });

  it('publishes every pack with its rules and mandatory notices', async () => {
    const list = await t.api.get('/api/v1/jurisdictions');
    expect(list.status).toBe(200);
    const byId = Object.fromEntries(
      list.body.items.map((p: { id: string }) => [p.id, p]),
    ) as Record<string, any>;
    expect(Object.keys(byId).sort()).toEqual(['default', 'mt', 'on', 'uk']);
    expect(byId.uk).toMatchObject({
      minimumAge: 18,
      coolingOffHours: 24,
      selfExclusionPeriods: ['6m', '1y', '5y'],
      kycBeforeDeposit: true,
      nationalRegister: 'GAMSTOP',
    });
    expect(byId.uk.notices.map((n: { id: string }) => n.id)).toContain('in_play_delay');
    expect(byId.on).toMatchObject({ minimumAge: 19, realityCheck: { mayTurnOff: false } });
    expect(byId.default).toMatchObject({ kycBeforeDeposit: false, kycBeforeBet: false });
  });
});

describe('an operator’s jurisdiction file', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'ibet-packs-'));
  const file = path.join(dir, 'packs.json');
  writeFileSync(
    file,
    JSON.stringify({
      mt: { coolingOffHours: 72 },
      se: {
        name: 'Sweden',
        regulator: 'Spelinspektionen',
        minimumAge: 18,
        limitPeriods: ['day', 'week', 'month'],
        coolingOffHours: 72,
        timeOut: { minHours: 24, maxHours: 2160 },
        selfExclusionPeriods: ['6m', '1y', 'permanent'],
        kycBeforeDeposit: true,
        kycBeforeBet: true,
        realityCheck: { defaultMinutes: 60, mayTurnOff: false },
        currency: 'SEK',
        nationalRegister: 'Spelpaus',
        notices: [],
      },
    }),
  );
  const t = useTestApp({
    env: { IBET_JURISDICTION_FILE: file, IBET_JURISDICTIONS: 'GB=uk,MT=mt,CA=on,SE=se' },
  });

  it('changes a built-in pack’s cooling-off and adds a pack for a new country', async () => {
    const maltese = await t.player({ country: 'MT' });
    await t.api.put(
      '/api/v1/me/limits',
      { kind: 'deposit', period: 'day', amount: '1000' },
      { token: maltese.token },
    );
    const raised = await t.api.put(
      '/api/v1/me/limits',
      { kind: 'deposit', period: 'day', amount: '2000' },
      { token: maltese.token },
    );
    const from = Date.parse(raised.body.limit.pending.from);
    expect(Math.abs(from - (Date.now() + 72 * 3600_000))).toBeLessThan(60_000);

    const swede = await t.player({ country: 'SE', currency: 'SEK' });
    const overview = await t.api.get('/api/v1/me/responsible-gambling', { token: swede.token });
    expect(overview.body).toMatchObject({
      jurisdiction: { id: 'se', name: 'Sweden', currency: 'SEK' },
      options: { timeOut: { minHours: 24, maxHours: 2160 } },
      kyc: { requiredBeforeDeposit: true },
    });
  });

  it('refuses a file with a contradictory pack at start-up', () => {
    const bad = path.join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ uk: { timeOut: { minHours: 100, maxHours: 24 } } }));
    const config = loadConfig({ LOG_LEVEL: 'silent', IBET_JURISDICTION_FILE: bad });
    expect(() => setUpCompliance(config)).toThrow(/minHours/);
    writeFileSync(bad, JSON.stringify({ uk: { minimumAge: 16 } }));
    expect(() => setUpCompliance(loadConfig({ IBET_JURISDICTION_FILE: bad }))).toThrow(
      /minimumAge/,
    );
    // Put the operator's packs back for the rest of this app's life.
    setUpCompliance(loadConfig({ IBET_JURISDICTION_FILE: file }));
  });
});
