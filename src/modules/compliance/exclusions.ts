// Time-outs (a break of hours to weeks) and self-exclusions (months, years or for good). Both
// take effect at once: every session of the player ends, and from then on deposits and bets
// are refused (guard.ts) and no marketing may reach them; open bets stay and settle as usual,
// and withdrawals stay open. Nothing shortens or lifts an exclusion before its end: the
// table is append-only, and a new exclusion may only end later than the one in force.
import type { Db, Queryable, Tx } from '../../platform/db/db.ts';
import { emit } from '../../platform/events/outbox.ts';
import { audit, type RequestContext } from '../audit/index.ts';
import { revokeSessionsOf } from '../identity/index.ts';
import { clockOffset, clockSql, inForceSql } from './clock.ts';
import { alreadyExcluded, exclusionPeriodNotOffered, timeOutOutOfRange } from './errors.ts';
import { EXCLUSION_INTERVAL, type SelfExclusionPeriod } from './jurisdictions.ts';
import { lockPlayer } from './players.ts';

export type ExclusionKind = 'time_out' | 'self_exclusion' | 'national_register';

export interface ExclusionView {
  kind: ExclusionKind;
  period: string;
  startsAt: string;
  /** null: permanent (or for as long as the national register lists the player). */
  endsAt: string | null;
}

interface Row {
  kind: ExclusionKind;
  period: string;
  starts_at: Date;
  ends_at: Date | null;
}

const present = (row: Row): ExclusionView => ({
  kind: row.kind,
  period: row.period,
  startsAt: row.starts_at.toISOString(),
  endsAt: row.ends_at?.toISOString() ?? null,
});

/** The exclusion in force that ends last (permanent first), or null. */
export async function activeExclusion(
  q: Queryable,
  playerId: string,
): Promise<ExclusionView | null> {
  const [row] = await q.query<Row>(
    `SELECT kind, period, starts_at, ends_at FROM compliance.exclusions e
     WHERE player_id = $1 AND ${inForceSql('e', clockSql(2))}
     ORDER BY ends_at DESC NULLS FIRST LIMIT 1`,
    [playerId, clockOffset()],
  );
  return row ? present(row) : null;
}

/** Whether a time-out or self-exclusion is in force for the player. */
export async function isExcluded(q: Queryable, playerId: string): Promise<boolean> {
  return (await activeExclusion(q, playerId)) !== null;
}

/**
 * Whether marketing (promotions, offers, bonus mail) may reach the player: not while a
 * time-out or self-exclusion is in force.
 */
export async function mayReceiveMarketing(q: Queryable, playerId: string): Promise<boolean> {
  return !(await isExcluded(q, playerId));
}

/** `mayReceiveMarketing` for many players: those of them marketing must not reach. */
export async function barredFromMarketing(
  q: Queryable,
  playerIds: readonly string[],
): Promise<Set<string>> {
  const rows = await q.query<{ player_id: string }>(
    `SELECT DISTINCT player_id FROM compliance.exclusions e
     WHERE player_id = ANY($1::uuid[]) AND ${inForceSql('e', clockSql(2))}`,
    [playerIds, clockOffset()],
  );
  return new Set(rows.map((r) => r.player_id));
}

export interface ExclusionDeps {
  db: Db;
  countries: Readonly<Record<string, string>>;
}

async function exclude(
  tx: Tx,
  playerId: string,
  kind: ExclusionKind,
  period: string,
  interval: string | null,
  context: RequestContext | undefined,
): Promise<ExclusionView> {
  const [row] = await tx.query<Row>(
    `INSERT INTO compliance.exclusions (player_id, kind, period, starts_at, ends_at)
     SELECT $1, $2, $3, c.at, c.at + $4::interval FROM (SELECT ${clockSql(5)} AS at) c
     RETURNING kind, period, starts_at, ends_at`,
    [playerId, kind, period, interval, clockOffset()],
  );
  const view = present(row!);
  const ended = await revokeSessionsOf(tx, playerId, kind);
  await audit(tx, {
    actor: kind === 'national_register' ? null : { id: playerId, kind: 'player' },
    action: `responsible.${kind}`,
    target: { type: 'account', id: playerId },
    details: { period, startsAt: view.startsAt, endsAt: view.endsAt, sessionsEnded: ended },
    context,
  });
  return view;
}

/** Refuses a new exclusion that would end no later than the one in force. */
async function assertExtends(tx: Tx, playerId: string, interval: string | null) {
  const current = await activeExclusion(tx, playerId);
  if (!current) return;
  if (current.endsAt === null) throw alreadyExcluded(null);
  if (interval === null) return;
  const [row] = await tx.query<{ longer: boolean }>(
    `SELECT ${clockSql(1)} + $2::interval > $3::timestamptz AS longer`,
    [clockOffset(), interval, current.endsAt],
  );
  if (!row!.longer) throw alreadyExcluded(new Date(current.endsAt));
}

/** A break of `hours` within the jurisdiction's range. */
export async function takeTimeOut(
  deps: ExclusionDeps,
  playerId: string,
  hours: number,
  context?: RequestContext,
): Promise<ExclusionView> {
  return deps.db.transaction(async (tx) => {
    const { pack } = await lockPlayer(tx, playerId, deps.countries);
    const { minHours, maxHours } = pack.timeOut;
    if (!Number.isInteger(hours) || hours < minHours || hours > maxHours)
      throw timeOutOutOfRange(minHours, maxHours);
    const interval = `${hours} hours`;
    await assertExtends(tx, playerId, interval);
    const view = await exclude(tx, playerId, 'time_out', `${hours}h`, interval, context);
    await emit(tx, {
      type: 'responsible.time_out_started',
      aggregateId: playerId,
      payload: { accountId: playerId, until: view.endsAt },
    });
    return view;
  });
}

/** Self-exclusion for one of the jurisdiction's periods; the confirmation is mailed. */
export async function selfExclude(
  deps: ExclusionDeps,
  playerId: string,
  period: SelfExclusionPeriod,
  context?: RequestContext,
): Promise<ExclusionView> {
  return deps.db.transaction(async (tx) => {
    const { pack } = await lockPlayer(tx, playerId, deps.countries);
    if (!pack.selfExclusionPeriods.includes(period))
      throw exclusionPeriodNotOffered(pack.selfExclusionPeriods);
    const interval = EXCLUSION_INTERVAL[period];
    await assertExtends(tx, playerId, interval);
    const view = await exclude(tx, playerId, 'self_exclusion', period, interval, context);
    await emit(tx, {
      type: 'responsible.self_excluded',
      aggregateId: playerId,
      payload: { accountId: playerId, until: view.endsAt, period },
    });
    return view;
  });
}

/**
 * A player found on the national register at sign-in: excluded for the longest a session
 * can last (they are checked again at every sign-in), unless an exclusion already covers it.
 */
export async function recordNationalExclusion(
  tx: Tx,
  playerId: string,
  register: string,
  sessionMaxSeconds: number,
): Promise<void> {
  const current = await activeExclusion(tx, playerId);
  const sessionEnds = Date.now() + (clockOffset() + sessionMaxSeconds) * 1000;
  if (current && (current.endsAt === null || Date.parse(current.endsAt) >= sessionEnds)) return;
  await exclude(
    tx,
    playerId,
    'national_register',
    register,
    `${Math.max(sessionMaxSeconds, 86_400)} seconds`,
    undefined,
  );
}
