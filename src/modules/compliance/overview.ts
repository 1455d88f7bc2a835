// A player's responsible-gambling page in one answer: their jurisdiction and its options,
// limits (with loosenings waiting), whether to prompt them to set limits, reality checks, an
// exclusion in force and their verification status.
import type { Queryable } from '../../platform/db/db.ts';
import { activeExclusion, type ExclusionView } from './exclusions.ts';
import type { JurisdictionPack } from './jurisdictions.ts';
import { type LimitView, listLimits } from './limits.ts';
import { type KycStatus, readPlayer } from './players.ts';
import { pendingRealityCheck, type RealityCheckView } from './reality-checks.ts';

export interface Overview {
  jurisdiction: Pick<JurisdictionPack, 'id' | 'name' | 'regulator' | 'currency'>;
  limits: LimitView[];
  /** No deposit or loss limit yet and the player has not declined: prompt them (registration, first deposit). */
  limitsPrompt: boolean;
  realityCheck: {
    intervalMinutes: number | null;
    mayTurnOff: boolean;
    pending: RealityCheckView | null;
  };
  exclusion: ExclusionView | null;
  kyc: { status: KycStatus; requiredBeforeDeposit: boolean; requiredBeforeBet: boolean };
  options: {
    limitPeriods: string[];
    coolingOffHours: number;
    timeOut: { minHours: number; maxHours: number };
    selfExclusionPeriods: string[];
  };
  notices: JurisdictionPack['notices'];
}

export async function overview(
  q: Queryable,
  playerId: string,
  sessionId: string | null,
): Promise<Overview> {
  const player = await readPlayer(q, playerId);
  const { pack } = player;
  const limits = await listLimits(q, playerId);
  return {
    jurisdiction: {
      id: pack.id,
      name: pack.name,
      regulator: pack.regulator,
      currency: pack.currency,
    },
    limits,
    limitsPrompt: player.limitsPromptAnswered === null && !limits.some((l) => l.kind !== 'session'),
    realityCheck: {
      intervalMinutes: player.realityChecksOff
        ? null
        : (player.realityCheckMinutes ?? pack.realityCheck.defaultMinutes),
      mayTurnOff: pack.realityCheck.mayTurnOff,
      pending: await pendingRealityCheck(q, playerId, sessionId),
    },
    exclusion: await activeExclusion(q, playerId),
    kyc: {
      status: player.kycStatus,
      requiredBeforeDeposit: pack.kycBeforeDeposit,
      requiredBeforeBet: pack.kycBeforeBet,
    },
    options: {
      limitPeriods: [...pack.limitPeriods],
      coolingOffHours: pack.coolingOffHours,
      timeOut: pack.timeOut,
      selfExclusionPeriods: [...pack.selfExclusionPeriods],
    },
    notices: pack.notices,
  };
}
