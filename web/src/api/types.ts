// Names for the API's shapes, taken from the generated schema (never written by hand).
import type { Result } from './operations.ts';

export type Me = Result<'GET /api/v1/me'>;
export type Sport = Result<'GET /api/v1/sports'>[number];
export type Competition = Sport['competitions'][number];
export type EventPage = Result<'GET /api/v1/events'>;
export type Event = Result<'GET /api/v1/events/{id}'>;
export type Market = Event['markets'][number];
export type Selection = Market['selections'][number];
export type Bet = Result<'GET /api/v1/bets/{id}'>;
export type BetLeg = Bet['legs'][number];
export type Wallet = Result<'GET /api/v1/wallet'>;
export type Payment = Result<'POST /api/v1/wallet/deposits'>;
export type Transaction = Result<'GET /api/v1/wallet/transactions'>['items'][number];
/** A cash movement of the history listing (the player's own, and the support desk's view of it). */
export type CashMovement = Result<'GET /api/v1/history/transactions'>['items'][number];
export type Message = Result<'GET /api/v1/notifications'>['items'][number];
export type Session = Result<'GET /api/v1/sessions'>['items'][number];
export type TotpEnrolment = Result<'POST /api/v1/mfa/totp'>;
export type StaffMember = Result<'GET /api/v1/admin/staff'>['items'][number];
export type Role = Result<'GET /api/v1/admin/roles'>['items'][number];
export type PartnerAccount = Result<'GET /api/v1/admin/partners'>['items'][number];
export type PartnerProfile = Result<'GET /api/v1/partner/profile'>;
export type ApiKey = Result<'GET /api/v1/partner/api-keys'>['items'][number];
export type CreatedApiKey = Result<'POST /api/v1/partner/api-keys'>;
export type AuditRecord = Result<'GET /api/v1/admin/audit'>['items'][number];
export type Mail = Result<'GET /api/v1/admin/mail'>['items'][number];
export type LedgerReport = Result<'GET /api/v1/admin/ledger/check'>;
export type SettlementSummary = Result<'POST /api/v1/admin/markets/{id}/result'>;
export type LoginAnswer = Result<'POST /api/v1/auth/login'>;

/** An RFC 9457 problem document as the API sends it, with its extra members. */
export interface Problem {
  type?: string;
  title?: string;
  status: number;
  code: string;
  detail?: string;
  [member: string]: unknown;
}
