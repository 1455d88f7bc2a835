// Affiliates: tracking links and clicks, attribution of players at registration, the
// affiliate dashboard, commission plans and monthly statements paid through the ledger.
export { affiliateDashboard } from './dashboard.ts';
export { type PlayerRevenue, playerRevenue } from './revenue.ts';
export { affiliateRoutes } from './routes.ts';
export { draftDueStatements, monthBounds, previousPeriod, revenueShare } from './statements.ts';
export {
  attributeRegistration,
  referrersOf,
  VISITOR_COOKIE,
  visitorFromCookie,
} from './tracking.ts';
