// Compliance: responsible gambling (limits, reality checks, time-outs, self-exclusion,
// national registers), identity verification (KYC) and the jurisdiction packs behind them.
import type { Config } from '../../platform/config.ts';
import { complianceGate } from './gate.ts';
import { loadPackOverrides } from './jurisdictions.ts';
import { fileRegister } from './national-register.ts';
import { documentStore } from './storage.ts';

export { advanceComplianceClock, resetComplianceClock } from './clock.ts';
export {
  activeExclusion,
  barredFromMarketing,
  isExcluded,
  mayReceiveMarketing,
} from './exclusions.ts';
export { assertMayDeposit, assertMayStake } from './guard.ts';
export { complianceJobs } from './jobs.ts';
export { allPacks, type JurisdictionPack, jurisdictionOf, packOf } from './jurisdictions.ts';
export type { NationalRegister } from './national-register.ts';
export { auditRefusals } from './refusals.ts';
export { complianceRoutes } from './routes.ts';

/** Loads the operator's jurisdiction packs and connects the register and document store. */
export function setUpCompliance(config: Config) {
  loadPackOverrides(config.compliance.jurisdictionFile);
  const register = config.compliance.registerFile
    ? fileRegister(config.compliance.registerFile)
    : undefined;
  return {
    gate: complianceGate({
      countries: config.compliance.countries,
      register,
      sessionMaxSeconds: config.sessions.player.maxSeconds,
    }),
    store: documentStore(config.compliance.documentStorage, {
      region: config.notifications.aws.region,
      endpoint: config.notifications.aws.endpoint,
    }),
  };
}
