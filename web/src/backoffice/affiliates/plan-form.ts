// Commission plans and statements without the DOM: the new-plan form's text fields become the
// POST body (money typed in major units of the plan's currency, rates as percentages), or the
// errors the server would answer (src/modules/affiliates/plans.ts), keyed by the body's field
// name as the server's `field` member is. And the months statements are computed for.
import type { Body } from '../../api/operations.ts';
import type { MessageKey } from '../../lib/messages/en.ts';
import { currencyExponent, minorToDecimal, parseMajorToMinor } from '../../lib/money.ts';

export type PlanType = 'revshare' | 'cpa' | 'hybrid' | 'tiered';
export const PLAN_TYPES: readonly PlanType[] = ['revshare', 'cpa', 'hybrid', 'tiered'];
export type PlanBody = Body<'POST /api/v1/admin/affiliate-plans'>;

export interface PlanDraft {
  name: string;
  type: PlanType;
  currency: string;
  /** Percent of NGR: "25" or "12.5". */
  revSharePercent: string;
  tiers: { fromNgr: string; revSharePercent: string }[];
  cpaAmount: string;
  cpaMinDeposit: string;
  cpaMinWagering: string;
  cpaWindowDays: string;
  adminFeePercent: string;
  negativeCarryover: boolean;
}

export type PlanErrors = Record<string, MessageKey>;

export function emptyPlan(currency = 'EUR'): PlanDraft {
  return {
    name: '',
    type: 'revshare',
    currency,
    revSharePercent: '25',
    tiers: [
      { fromNgr: '0', revSharePercent: '25' },
      { fromNgr: '10000', revSharePercent: '35' },
    ],
    cpaAmount: '',
    cpaMinDeposit: '',
    cpaMinWagering: '',
    cpaWindowDays: '90',
    adminFeePercent: '0',
    negativeCarryover: true,
  };
}

/** "12.5" (%) → 1250 basis points; null unless 0–100 with at most two decimals. */
export function percentToBps(text: string): number | null {
  const minor = parseMajorToMinor(text, 2);
  if (minor === null || minor.length > 5) return null;
  const bps = Number(minor);
  return bps <= 10_000 ? bps : null;
}

/** 1250 → "12.5" (%). */
export function bpsToPercent(bps: number): string {
  return minorToDecimal(String(bps), 2)
    .replace(/(\.[0-9]*?)0+$/, '$1')
    .replace(/\.$/, '');
}

/** A money field in major units → minor units; '' is 0. Null when it is not an amount. */
function amount(text: string, exponent: number): string | null {
  if (text.trim() === '') return '0';
  const minor = parseMajorToMinor(text, exponent);
  return minor !== null && minor.length <= 15 ? minor : null;
}

/** The POST body of a new plan, or the errors by field when it would be refused. */
export function planBody(
  draft: PlanDraft,
): { ok: true; body: PlanBody } | { ok: false; errors: PlanErrors } {
  const errors: PlanErrors = {};
  const name = draft.name.trim();
  if (name === '' || name.length > 100) errors.name = 'affiliates.error.name';
  const currency = draft.currency.trim().toUpperCase();
  let exponent = 2;
  if (!/^[A-Z]{3}$/.test(currency)) errors.currency = 'affiliates.error.currency';
  else {
    try {
      exponent = currencyExponent(currency);
    } catch {
      errors.currency = 'affiliates.error.currency';
    }
  }
  const sharing = draft.type !== 'cpa';
  const paysCpa = draft.type === 'cpa' || draft.type === 'hybrid';
  const body: PlanBody = { name, type: draft.type, currency };

  if (draft.type === 'revshare' || draft.type === 'hybrid') {
    const bps = percentToBps(draft.revSharePercent);
    if (bps === null || bps === 0) errors.revShareBps = 'affiliates.error.revShare';
    else body.revShareBps = bps;
  }
  if (draft.type === 'tiered') {
    const tiers: NonNullable<PlanBody['tiers']> = [];
    draft.tiers.forEach((tier, i) => {
      const from = amount(tier.fromNgr, exponent);
      const bps = percentToBps(tier.revSharePercent);
      if (from === null) errors[`tiers/${i}/fromNgr`] = 'affiliates.error.amount';
      if (bps === null) errors[`tiers/${i}/revShareBps`] = 'affiliates.error.percent';
      tiers.push({ fromNgr: from ?? '0', revShareBps: bps ?? 0 });
    });
    if (tiers.length === 0 || tiers.length > 20) errors.tiers = 'affiliates.error.tierCount';
    else if (tiers[0]?.fromNgr !== '0') errors.tiers = 'affiliates.error.firstTier';
    else if (tiers.some((t, i) => i > 0 && BigInt(t.fromNgr) <= BigInt(tiers[i - 1]?.fromNgr ?? 0)))
      errors.tiers = 'affiliates.error.tierOrder';
    body.tiers = tiers;
  }
  if (paysCpa) {
    const cpa = amount(draft.cpaAmount, exponent);
    if (cpa === null || cpa === '0') errors.cpaAmount = 'affiliates.error.cpa';
    else body.cpaAmount = cpa;
    const deposit = amount(draft.cpaMinDeposit, exponent);
    if (deposit === null) errors.cpaMinDeposit = 'affiliates.error.amount';
    else body.cpaMinDeposit = deposit;
    const wagering = amount(draft.cpaMinWagering, exponent);
    if (wagering === null) errors.cpaMinWagering = 'affiliates.error.amount';
    else body.cpaMinWagering = wagering;
    const days = draft.cpaWindowDays.trim();
    const window = /^[0-9]{1,4}$/.test(days) ? Number(days) : Number.NaN;
    if (!(window >= 1 && window <= 3650)) errors.cpaWindowDays = 'affiliates.error.window';
    else body.cpaWindowDays = window;
  }
  const fee = percentToBps(draft.adminFeePercent.trim() === '' ? '0' : draft.adminFeePercent);
  if (fee === null) errors.adminFeeBps = 'affiliates.error.percent';
  else if (fee > 0) body.adminFeeBps = fee;
  if (sharing) body.negativeCarryover = draft.negativeCarryover;

  return Object.keys(errors).length > 0 ? { ok: false, errors } : { ok: true, body };
}

/** The month of a date in UTC, as the API names months: "2026-03". */
export function monthOf(date: Date): string {
  return `${date.getUTCFullYear()}-${String(date.getUTCMonth() + 1).padStart(2, '0')}`;
}

/** The month before the one `date` is in (UTC): the month whose statements are due. */
export function previousMonth(date: Date): string {
  return monthOf(new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth() - 1, 1)));
}

export function isMonth(text: string): boolean {
  return /^[0-9]{4}-(0[1-9]|1[0-2])$/.test(text);
}
