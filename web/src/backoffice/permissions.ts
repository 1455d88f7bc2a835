// What the back office shows follows the staff member's permissions (GET /api/v1/me): a menu
// entry appears only for someone who may use it, and actions inside a screen likewise. The
// server checks every request anyway; this only avoids offering what would be refused.
import type { Me } from '../api/types.ts';

export interface Area {
  path: string;
  label: string;
  /** Any of these permissions opens the area. */
  anyOf: string[];
  description: string;
}

export const AREAS: Area[] = [
  {
    path: '/trading',
    label: 'Trading',
    anyOf: ['catalog:write', 'markets:price', 'markets:settle'],
    description: 'Sports, competitions, events and markets; prices, suspensions and results.',
  },
  {
    path: '/support',
    label: 'Support',
    anyOf: ['players:read'],
    description: 'Find a player; their account, balances, KYC status and support notes.',
  },
  {
    path: '/liability',
    label: 'Liability',
    anyOf: ['bets:read'],
    description: 'What each event, market and selection would cost if it won, against its caps.',
  },
  {
    path: '/ticker',
    label: 'Live bets',
    anyOf: ['bets:read'],
    description: 'Every bet as it is placed.',
  },
  {
    path: '/risk',
    label: 'Risk',
    anyOf: ['players:read', 'bets:read'],
    description: "Players' stake factors and cash-out blocks; bets looked up and voided.",
  },
  {
    path: '/operations',
    label: 'Operations',
    anyOf: ['reports:read'],
    description: 'Live charts: bets a minute, turnover, GGR, errors, latency, connections, outbox.',
  },
  {
    path: '/kyc',
    label: 'KYC review',
    anyOf: ['kyc:review'],
    description: "Players' identity documents and verification decisions.",
  },
  {
    path: '/aml',
    label: 'AML flags',
    anyOf: ['aml:review'],
    description: 'Payments and betting patterns the monitoring rules flagged, to resolve.',
  },
  {
    path: '/promotions',
    label: 'Promotions',
    anyOf: ['promotions:manage'],
    description: 'Free bets, bonus money and deposit bonuses: create, pause, end.',
  },
  {
    path: '/loyalty',
    label: 'Loyalty scheme',
    anyOf: ['promotions:manage'],
    description: 'Loyalty points rates per sport and bet kind, tiers and redemption.',
  },
  {
    path: '/staff',
    label: 'Staff',
    anyOf: ['staff:manage'],
    description: 'Staff members and their roles.',
  },
  {
    path: '/roles',
    label: 'Roles',
    anyOf: ['staff:manage'],
    description: 'Built-in and custom roles and their permissions.',
  },
  {
    path: '/partners',
    label: 'Partners',
    anyOf: ['partners:manage'],
    description: 'Affiliate and B2B partner accounts.',
  },
  {
    path: '/affiliate-plans',
    label: 'Affiliate plans',
    anyOf: ['partners:manage'],
    description: "Commission plans, each affiliate's plan, and an affiliate's month dashboard.",
  },
  {
    path: '/affiliate-statements',
    label: 'Commission statements',
    anyOf: ['partners:manage'],
    description: "Affiliates' monthly commission: compute, approve and pay.",
  },
  {
    path: '/audit',
    label: 'Audit log',
    anyOf: ['audit:read'],
    description: 'Who did what, when, from where.',
  },
  {
    path: '/mail',
    label: 'Mail',
    anyOf: ['mail:read'],
    description: 'Mail iBet has composed (captured until a mailer is configured).',
  },
  {
    path: '/ledger',
    label: 'Ledger check',
    anyOf: ['ledger:read'],
    description: 'The ledger invariants: sums per currency, balance drift, negative balances.',
  },
];

export function can(me: Me | null | undefined, permission: string): boolean {
  return me?.permissions.includes(permission) ?? false;
}

export function areasOf(me: Me | null | undefined): Area[] {
  return AREAS.filter((area) => area.anyOf.some((p) => can(me, p)));
}
