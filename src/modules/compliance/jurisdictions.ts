// Jurisdiction packs: the responsible-gambling and KYC rules of each market iBet serves. A
// player follows the pack of their country (IBET_JURISDICTIONS maps countries to packs; any
// other country follows `default`), recorded at registration. Which regulation each rule
// answers is in docs/jurisdictions.md. An operator adjusts a pack with IBET_JURISDICTION_FILE.
import { readFileSync } from 'node:fs';
import { type Static, Type } from 'typebox';
import { Value } from 'typebox/value';

export const LIMIT_PERIODS = ['day', 'week', 'month'] as const;
export type LimitPeriod = (typeof LIMIT_PERIODS)[number];

/** Rolling windows, as PostgreSQL intervals. */
export const PERIOD_INTERVAL: Record<LimitPeriod, string> = {
  day: '24 hours',
  week: '7 days',
  month: '1 month',
};

export const SELF_EXCLUSION_PERIODS = ['6m', '1y', '5y', 'permanent'] as const;
export type SelfExclusionPeriod = (typeof SELF_EXCLUSION_PERIODS)[number];

export const EXCLUSION_INTERVAL: Record<SelfExclusionPeriod, string | null> = {
  '6m': '6 months',
  '1y': '1 year',
  '5y': '5 years',
  permanent: null,
};

const Notice = Type.Object({
  id: Type.String(),
  text: Type.String(),
  /** Where the client shows it: `registration`, `deposit`, `bet_slip`, `in_play`, `footer`. */
  where: Type.String(),
});

export const JurisdictionPack = Type.Object({
  id: Type.String(),
  name: Type.String(),
  regulator: Type.String(),
  minimumAge: Type.Integer({ minimum: 18, maximum: 25 }),
  /** Periods a player may set deposit and loss limits over (the lowest applicable binds). */
  limitPeriods: Type.Array(Type.Enum(LIMIT_PERIODS), { minItems: 1 }),
  /** How long an increase or removal of a limit waits before it takes effect. */
  coolingOffHours: Type.Integer({ minimum: 0, maximum: 720 }),
  timeOut: Type.Object({
    minHours: Type.Integer({ minimum: 1 }),
    maxHours: Type.Integer({ minimum: 1 }),
  }),
  selfExclusionPeriods: Type.Array(Type.Enum(SELF_EXCLUSION_PERIODS), { minItems: 1 }),
  /** Identity verified before the first deposit / the first bet. */
  kycBeforeDeposit: Type.Boolean(),
  kycBeforeBet: Type.Boolean(),
  realityCheck: Type.Object({
    /** Minutes between checks for players who chose none; null: off until chosen. */
    defaultMinutes: Type.Union([Type.Integer({ minimum: 1, maximum: 1440 }), Type.Null()]),
    mayTurnOff: Type.Boolean(),
  }),
  /** The currency offered first to its players. */
  currency: Type.String({ pattern: '^[A-Z]{3}$' }),
  /** The national self-exclusion register consulted, if the operator connected one. */
  nationalRegister: Type.Union([Type.String(), Type.Null()]),
  notices: Type.Array(Notice),
});
export type JurisdictionPack = Static<typeof JurisdictionPack>;

const BUILT_IN: Record<string, JurisdictionPack> = {
  default: {
    id: 'default',
    name: 'Other markets (demonstration)',
    regulator: 'none',
    minimumAge: 18,
    limitPeriods: ['day', 'week', 'month'],
    coolingOffHours: 24,
    timeOut: { minHours: 24, maxHours: 6 * 7 * 24 },
    selfExclusionPeriods: ['6m', '1y', '5y', 'permanent'],
    kycBeforeDeposit: false,
    kycBeforeBet: false,
    realityCheck: { defaultMinutes: null, mayTurnOff: true },
    currency: 'EUR',
    nationalRegister: null,
    notices: [
      {
        id: 'play_responsibly',
        text: 'Gambling can be addictive. Set limits, take breaks, and never bet more than you can afford to lose.',
        where: 'footer',
      },
    ],
  },
  uk: {
    id: 'uk',
    name: 'Great Britain',
    regulator: 'UK Gambling Commission',
    minimumAge: 18,
    limitPeriods: ['day', 'week', 'month'],
    coolingOffHours: 24,
    timeOut: { minHours: 24, maxHours: 6 * 7 * 24 },
    selfExclusionPeriods: ['6m', '1y', '5y'],
    kycBeforeDeposit: true,
    kycBeforeBet: true,
    realityCheck: { defaultMinutes: 60, mayTurnOff: true },
    currency: 'GBP',
    nationalRegister: 'GAMSTOP',
    notices: [
      {
        id: 'age_and_identity',
        text: 'You must be 18 or over. We verify your age and identity before you can deposit or bet.',
        where: 'registration',
      },
      {
        id: 'in_play_delay',
        text: 'In-play prices change quickly and your bet may be accepted after a short delay or refused if the price moves; the latest scores shown may not be live.',
        where: 'in_play',
      },
      {
        id: 'gamstop',
        text: 'You can exclude yourself from every gambling site licensed in Great Britain at gamstop.co.uk. Free help: GamCare, 0808 8020 133.',
        where: 'footer',
      },
    ],
  },
  mt: {
    id: 'mt',
    name: 'Malta',
    regulator: 'Malta Gaming Authority',
    minimumAge: 18,
    limitPeriods: ['day', 'week', 'month'],
    coolingOffHours: 24,
    timeOut: { minHours: 24, maxHours: 6 * 7 * 24 },
    selfExclusionPeriods: ['6m', '1y', '5y', 'permanent'],
    kycBeforeDeposit: false,
    kycBeforeBet: false,
    realityCheck: { defaultMinutes: 60, mayTurnOff: true },
    currency: 'EUR',
    nationalRegister: null,
    notices: [
      {
        id: 'mga_licence',
        text: 'Licensed and regulated by the Malta Gaming Authority. Players under 18 are not permitted.',
        where: 'footer',
      },
    ],
  },
  on: {
    id: 'on',
    name: 'Ontario',
    regulator: 'Alcohol and Gaming Commission of Ontario',
    minimumAge: 19,
    limitPeriods: ['day', 'week', 'month'],
    coolingOffHours: 24,
    timeOut: { minHours: 24, maxHours: 6 * 7 * 24 },
    selfExclusionPeriods: ['6m', '1y', '5y', 'permanent'],
    kycBeforeDeposit: true,
    kycBeforeBet: true,
    realityCheck: { defaultMinutes: 60, mayTurnOff: false },
    currency: 'CAD',
    nationalRegister: null,
    notices: [
      {
        id: 'age_and_identity',
        text: 'You must be 19 or over and in Ontario to play. We verify your identity before you can deposit or bet.',
        where: 'registration',
      },
      {
        id: 'connex',
        text: 'Need help? ConnexOntario: 1-866-531-2600, free and confidential, 24/7.',
        where: 'footer',
      },
    ],
  },
};

let packs: Record<string, JurisdictionPack> = structuredClone(BUILT_IN);

/** The pack a player follows (unknown ids, e.g. a pack removed since, fall back to default). */
export function packOf(id: string | null | undefined): JurisdictionPack {
  return (id ? packs[id] : undefined) ?? packs.default!;
}

export function allPacks(): JurisdictionPack[] {
  return Object.values(packs);
}

/** The pack of a country under the operator's mapping (country code → pack id). */
export function jurisdictionOf(
  country: string | null | undefined,
  countries: Readonly<Record<string, string>>,
): string {
  const id = country ? countries[country.toUpperCase()] : undefined;
  return id && packs[id] ? id : 'default';
}

const Overrides = Type.Record(Type.String({ pattern: '^[a-z][a-z0-9_-]{0,31}$' }), Type.Unknown());

/**
 * Applies the operator's pack file: a JSON object of pack id → fields to change (an existing
 * pack) or a whole pack (a new one). Invalid files stop the process at start-up.
 */
export function loadPackOverrides(file: string | undefined): void {
  packs = structuredClone(BUILT_IN);
  if (!file) return;
  const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
  if (!Value.Check(Overrides, parsed)) throw new Error(`${file}: an object of pack id → pack`);
  for (const [id, change] of Object.entries(parsed)) {
    const merged = { ...(packs[id] ?? {}), ...(change as object), id };
    if (!Value.Check(JurisdictionPack, merged)) {
      const first = [...Value.Errors(JurisdictionPack, merged)][0];
      throw new Error(`${file}: pack ${id}: ${first?.instancePath ?? ''} ${first?.message ?? ''}`);
    }
    if (merged.timeOut.minHours > merged.timeOut.maxHours)
      throw new Error(`${file}: pack ${id}: timeOut.minHours exceeds maxHours`);
    packs[id] = merged;
  }
}
