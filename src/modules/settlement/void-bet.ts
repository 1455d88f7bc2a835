// Voiding a single bet by hand (staff with `bets:void`, with a reason): an open or pending bet
// is settled void (its open stake returned); a settled bet's settlement is reversed and it is
// settled void. From then on settlement leaves it void whatever its markets' results.
import type { Db } from '../../platform/db/db.ts';
import { DomainError } from '../../platform/errors.ts';
import { type IdempotentCommand, type Outcome, runIdempotent } from '../../platform/idempotency.ts';
import { audit } from '../audit/index.ts';
import {
  type BetView,
  betNotFound,
  betNotVoidable,
  getAnyBet,
  lockBets,
  markVoidedByStaff,
} from '../betting/index.ts';
import { reconcileBets } from './settle-bets.ts';

export interface VoidBetInput {
  betId: string;
  staffId: string;
  reason: string;
}

export function voidBet(
  deps: { db: Db },
  command: IdempotentCommand<VoidBetInput>,
  context?: { ip: string | null; requestId: string | null },
): Promise<Outcome<BetView>> {
  return runIdempotent(deps.db, 'settlement.void-bet', command, async (tx, input) => {
    const [bet] = await lockBets(tx, [input.betId]);
    if (!bet) throw betNotFound();
    if (bet.status === 'cashed_out' || bet.status === 'rejected') throw betNotVoidable(bet.status);
    if (!bet.voidedBy) {
      const outcome = await reconcileBets(tx, [bet], {
        by: input.staffId,
        reason: input.reason,
        forceVoid: true,
      });
      if (outcome.blocked.length > 0) {
        throw new DomainError(
          'correction_exceeds_balance',
          'conflict',
          "Voiding this bet would take back more than the player's balance holds.",
        );
      }
      await markVoidedByStaff(tx, bet.id, input.staffId, input.reason);
      await audit(tx, {
        actor: { id: input.staffId, kind: 'staff' },
        action: 'bet.voided',
        target: { type: 'bet', id: bet.id },
        details: { reason: input.reason, previousStatus: bet.status },
        context,
      });
    }
    const { playerId: _playerId, ...view } = await getAnyBet(tx, bet.id);
    return view;
  });
}
