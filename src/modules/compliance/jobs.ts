// The compliance module's scheduled jobs (run by the worker role through platform/jobs.ts).
import type { Db } from '../../platform/db/db.ts';
import type { Job } from '../../platform/jobs.ts';
import { activateDueLimits } from './limits.ts';
import { emitDueRealityChecks } from './reality-checks.ts';
import { endOverlongSessions } from './session-limits.ts';

export function complianceJobs(db: Db): Job[] {
  return [
    {
      // Limit increases and removals whose cooling-off is over (mails "limit changed").
      name: 'compliance.activate-limits',
      everySeconds: 60,
      async run() {
        while ((await activateDueLimits(db)) === 500);
      },
    },
    {
      name: 'compliance.reality-checks',
      everySeconds: 30,
      async run() {
        while ((await emitDueRealityChecks(db)) === 500);
      },
    },
    {
      name: 'compliance.session-limits',
      everySeconds: 30,
      async run() {
        while ((await endOverlongSessions(db)) === 500);
      },
    },
  ];
}
