// Reporting: read-only reports for staff screens (operations figures, liability, bet ticker).
export { eventLiability, latestBets } from './reports.ts';
export { reportingRoutes } from './routes.ts';
export { readOperationsStats } from './stats.ts';
