// AML: thresholds on deposits, withdrawals and stakes raise flags for the risk team, who
// review and resolve them with notes.
export { type AmlFlagView, getFlag, listFlags, resolveFlag } from './flags.ts';
export { amlRoutes } from './routes.ts';
export { type AmlRule, amlConsumer } from './rules.ts';
