// The affiliate's dashboard for a month: clicks, sign-ups, first-time depositors, and the
// NGR of each referred player (as revenue.ts defines it), with the plan the figures use.
import type { Queryable } from '../../platform/db/db.ts';
import { planOf, presentPlan } from './plans.ts';
import { playerRevenue, presentRevenue } from './revenue.ts';
import { monthBounds, referredPlayers } from './statements.ts';

export async function affiliateDashboard(q: Queryable, partnerId: string, period: string) {
  const { from, to } = monthBounds(period);
  const plan = await planOf(q, partnerId);
  const [counts] = await q.query<{
    clicks: number;
    visitors: number;
    signups: number;
    ftds: number;
  }>(
    `SELECT
       (SELECT count(*)::int FROM affiliates.clicks c JOIN affiliates.links l ON l.id = c.link_id
        WHERE l.partner_id = $1 AND c.clicked_at >= $2 AND c.clicked_at < $3) AS clicks,
       (SELECT count(DISTINCT c.visitor_id)::int FROM affiliates.clicks c
        JOIN affiliates.links l ON l.id = c.link_id
        WHERE l.partner_id = $1 AND c.clicked_at >= $2 AND c.clicked_at < $3) AS visitors,
       (SELECT count(*)::int FROM affiliates.referrals
        WHERE partner_id = $1 AND registered_at >= $2 AND registered_at < $3) AS signups,
       (SELECT count(*)::int FROM affiliates.referrals r
        CROSS JOIN LATERAL (
          SELECT min(p.completed_at) AS first_at FROM wallet.payments p
          WHERE p.owner_id = r.player_id AND p.direction = 'deposit' AND p.status = 'completed') f
        WHERE r.partner_id = $1 AND f.first_at >= $2 AND f.first_at < $3) AS ftds`,
    [partnerId, from, to],
  );
  const byLink = await q.query<{ link_id: string; name: string; clicks: number; signups: number }>(
    `SELECT l.id AS link_id, l.name,
       (SELECT count(*)::int FROM affiliates.clicks c
        WHERE c.link_id = l.id AND c.clicked_at >= $2 AND c.clicked_at < $3) AS clicks,
       (SELECT count(*)::int FROM affiliates.referrals r
        WHERE r.link_id = l.id AND r.registered_at >= $2 AND r.registered_at < $3) AS signups
     FROM affiliates.links l WHERE l.partner_id = $1 ORDER BY l.created_at, l.id`,
    [partnerId, from, to],
  );
  const currency = plan?.currency;
  const players = currency ? await referredPlayers(q, partnerId, currency, to) : [];
  const revenue = currency
    ? await playerRevenue(q, players, currency, from, to, plan?.adminFeeBps ?? 0)
    : [];
  return {
    period,
    plan: plan ? presentPlan(plan) : null,
    currency: currency ?? null,
    clicks: counts!.clicks,
    uniqueVisitors: counts!.visitors,
    signups: counts!.signups,
    firstTimeDepositors: counts!.ftds,
    links: byLink.map((l) => ({
      linkId: l.link_id,
      name: l.name,
      clicks: l.clicks,
      signups: l.signups,
    })),
    ngr: revenue.reduce((s, r) => s + r.ngr, 0n).toString(),
    players: revenue.map(presentRevenue),
  };
}
