// Scripts of simulated matches: generators that yield what a live-data provider would send,
// and how long (in match seconds) to wait before the next thing. The runner (simulator.ts)
// turns waits into real time at the configured speed, or into nothing in tests.
import { oddsFromProbabilities } from '../margin.ts';
import { type FootballState, footballProbabilities } from './football.ts';
import { pick, type Random } from './random.ts';
import {
  breakPoint,
  newTennis,
  playPoint,
  SETS_TO_WIN,
  tennisDetail,
  tennisHomeWins,
} from './tennis.ts';

/** A feed message without its envelope (id, ts, fixture), which the runner adds. */
export type Body = Record<string, unknown> & { kind: string };
export type Step = { wait: number } | { send: Body };

export interface MatchContext {
  random: Random;
  now: () => Date;
  /** How many times faster than real time the match runs (fixtures start on time). */
  speed: number;
}

export interface MatchPlan {
  sport: 'football' | 'tennis';
  competition: string;
  country: string;
  home: string;
  away: string;
  /** Match seconds between the fixture's publication and the start. */
  leadSeconds: number;
}

const send = (body: Body): Step => ({ send: body });
const wait = (seconds: number): Step => ({ wait: seconds });

const FOOTBALL: Record<string, { country: string; teams: string[] }> = {
  'Premier League': {
    country: 'England',
    teams: [
      'Arsenal',
      'Liverpool',
      'Manchester City',
      'Chelsea',
      'Tottenham Hotspur',
      'Newcastle United',
      'Aston Villa',
      'Brighton',
    ],
  },
  'La Liga': {
    country: 'Spain',
    teams: [
      'Real Madrid',
      'Barcelona',
      'Atlético Madrid',
      'Real Sociedad',
      'Villarreal',
      'Sevilla',
      'Real Betis',
      'Athletic Club',
    ],
  },
  Bundesliga: {
    country: 'Germany',
    teams: [
      'Bayern Munich',
      'Borussia Dortmund',
      'RB Leipzig',
      'Bayer Leverkusen',
      'Eintracht Frankfurt',
      'VfB Stuttgart',
      'SC Freiburg',
      'Union Berlin',
    ],
  },
};
const PLAYERS = [
  'J. Sinner',
  'C. Alcaraz',
  'N. Djokovic',
  'A. Zverev',
  'D. Medvedev',
  'T. Fritz',
  'C. Ruud',
  'A. de Minaur',
];

export function planMatch(
  sport: 'football' | 'tennis',
  random: Random,
  leadSeconds: number,
): MatchPlan {
  if (sport === 'tennis') {
    const home = pick(random, PLAYERS);
    const away = pick(
      random,
      PLAYERS.filter((p) => p !== home),
    );
    return { sport, competition: 'ATP Finals', country: 'Italy', home, away, leadSeconds };
  }
  const competition = pick(random, Object.keys(FOOTBALL));
  const { country, teams } = FOOTBALL[competition]!;
  const home = pick(random, teams);
  const away = pick(
    random,
    teams.filter((t) => t !== home),
  );
  return { sport, competition, country, home, away, leadSeconds };
}

function fixture(plan: MatchPlan, ctx: MatchContext): Body {
  const startsAt = new Date(ctx.now().getTime() + (plan.leadSeconds * 1000) / ctx.speed);
  return {
    kind: 'fixture',
    sport: plan.sport,
    sportName: plan.sport === 'football' ? 'Football' : 'Tennis',
    competition: plan.competition,
    country: plan.country,
    name: `${plan.home} v ${plan.away}`,
    home: plan.home,
    away: plan.away,
    startsAt: startsAt.toISOString(),
  };
}

/**
 * A football match: kick-off, a minute at a time, goals (and the odd penalty and red card)
 * announced as material events that suspend every market until the new prices are out, half
 * time, full time, and results. Over 2.5 and both-teams-to-score are resulted as soon as they
 * are decided, the rest at full time.
 */
export function* footballMatch(plan: MatchPlan, ctx: MatchContext): Generator<Step> {
  const { random } = ctx;
  const length = 90 + Math.floor(random() * 5); // with stoppage time
  const total = 2.2 + random() * 1.0;
  const share = 0.3 + random() * 0.4;
  const s: FootballState = {
    minute: 0,
    home: 0,
    away: 0,
    rateHome: total * share,
    rateAway: total * (1 - share),
  };
  const prices = () => {
    const p = footballProbabilities(s, length);
    const [home, draw, away] = oddsFromProbabilities([p.home, p.draw, p.away]);
    const [over, under] = oddsFromProbabilities([p.over, p.under]);
    const [yes, no] = oddsFromProbabilities([p.bttsYes, p.bttsNo]);
    return { result: { home, draw, away }, total: { over, under }, btts: { yes, no } };
  };
  const decided = { total: false, btts: false };
  const odds = function* (): Generator<Step> {
    const p = prices();
    yield send({ kind: 'odds', market: 'result', prices: p.result });
    if (!decided.total) yield send({ kind: 'odds', market: 'total', prices: p.total });
    if (!decided.btts) yield send({ kind: 'odds', market: 'btts', prices: p.btts });
  };
  const score = (period: string, running: boolean) => ({
    kind: 'status',
    status: 'live',
    score: { home: s.home, away: s.away, detail: null },
    clock: { period, minute: s.minute, running },
  });

  yield send(fixture(plan, ctx));
  const p = prices();
  yield send({
    kind: 'market',
    market: 'result',
    type: 'match_result',
    name: 'Match result',
    inPlay: true,
    selections: [
      { key: 'home', name: plan.home, outcome: 'home', price: p.result.home },
      { key: 'draw', name: 'Draw', outcome: 'draw', price: p.result.draw },
      { key: 'away', name: plan.away, outcome: 'away', price: p.result.away },
    ],
  });
  yield send({
    kind: 'market',
    market: 'total',
    type: 'over_under',
    name: 'Total goals over/under 2.5',
    line: 2500,
    inPlay: true,
    selections: [
      { key: 'over', name: 'Over 2.5', outcome: 'over', price: p.total.over },
      { key: 'under', name: 'Under 2.5', outcome: 'under', price: p.total.under },
    ],
  });
  yield send({
    kind: 'market',
    market: 'btts',
    type: 'both_teams_to_score',
    name: 'Both teams to score',
    inPlay: true,
    selections: [
      { key: 'yes', name: 'Yes', outcome: 'yes', price: p.btts.yes },
      { key: 'no', name: 'No', outcome: 'no', price: p.btts.no },
    ],
  });
  yield wait(plan.leadSeconds);
  yield send(score('1H', true));

  while (s.minute < length) {
    yield wait(60);
    s.minute += 1;
    if (s.minute === 46) {
      yield send(score('HT', false));
      yield wait(120); // a short half time
      yield send(score('2H', true));
    }
    const rate = (s.rateHome + s.rateAway) / 90;
    const penalty = random() < 0.004;
    let scorer: 'home' | 'away' | undefined;
    if (penalty) {
      yield send({ kind: 'material', event: 'penalty' });
      yield wait(40);
      if (random() < 0.76)
        scorer = random() < s.rateHome / (s.rateHome + s.rateAway) ? 'home' : 'away';
    } else if (random() < rate) {
      scorer = random() < s.rateHome / (s.rateHome + s.rateAway) ? 'home' : 'away';
      // The goal is being scored: everything stops before the score is known to all.
      yield send({ kind: 'material', event: 'goal' });
      yield wait(20);
    } else if (random() < 0.003) {
      const side = random() < 0.5 ? 'home' : 'away';
      yield send({ kind: 'material', event: 'red_card' });
      if (side === 'home') s.rateHome *= 0.7;
      else s.rateAway *= 0.7;
      yield wait(20);
      yield* odds();
      yield send({ kind: 'market_status', market: '*', status: 'open' });
      continue;
    }
    if (scorer) s[scorer] += 1;
    const period = s.minute <= 45 ? '1H' : '2H';
    if (scorer || penalty) yield send(score(period, true));
    if (!decided.total && s.home + s.away > 2.5) {
      decided.total = true;
      yield send({ kind: 'result', market: 'total', winners: ['over'] });
    }
    if (!decided.btts && s.home > 0 && s.away > 0) {
      decided.btts = true;
      yield send({ kind: 'result', market: 'btts', winners: ['yes'] });
    }
    yield* odds();
    if (scorer || penalty) yield send({ kind: 'market_status', market: '*', status: 'open' });
    else if (s.minute % 5 === 0) yield send(score(period, true));
  }
  yield send({ ...score('FT', false), status: 'ended' });
  yield wait(30);
  const winner = s.home > s.away ? 'home' : s.home === s.away ? 'draw' : 'away';
  yield send({ kind: 'result', market: 'result', winners: [winner] });
  if (!decided.total) yield send({ kind: 'result', market: 'total', winners: ['under'] });
  if (!decided.btts) yield send({ kind: 'result', market: 'btts', winners: ['no'] });
}

/**
 * A best-of-three tennis match, point by point. Break points and match points suspend the
 * market until the point is played; the price moves after every point.
 */
export function* tennisMatch(plan: MatchPlan, ctx: MatchContext): Generator<Step> {
  const { random } = ctx;
  const pHome = 0.6 + random() * 0.1;
  const pAway = 0.6 + random() * 0.1;
  const s = newTennis();
  const price = () => {
    const home = tennisHomeWins(s, pHome, pAway);
    const [h, a] = oddsFromProbabilities([home, 1 - home]);
    return { home: h, away: a };
  };
  const status = (state: 'live' | 'ended') => ({
    kind: 'status',
    status: state,
    score: { home: s.sets[0], away: s.sets[1], detail: tennisDetail(s) },
    clock: { period: `Set ${s.games.length}`, minute: null, running: state === 'live' },
  });

  yield send(fixture(plan, ctx));
  const first = price();
  yield send({
    kind: 'market',
    market: 'winner',
    type: 'match_winner',
    name: 'Match winner',
    inPlay: true,
    selections: [
      { key: 'home', name: plan.home, outcome: 'home', price: first.home },
      { key: 'away', name: plan.away, outcome: 'away', price: first.away },
    ],
  });
  yield wait(plan.leadSeconds);
  yield send(status('live'));
  for (;;) {
    const sets = s.sets;
    const critical =
      breakPoint(s) ||
      // match point: one point from the match for either player
      [0, 1].some((w) => {
        if (sets[w]! !== SETS_TO_WIN - 1) return false;
        const copy = structuredClone(s);
        return playPoint(copy, w === 0) === 'match';
      });
    if (critical)
      yield send({ kind: 'material', event: breakPoint(s) ? 'break_point' : 'match_point' });
    yield wait(25 + random() * 20);
    const server = s.server;
    const p = server === 0 ? pHome : pAway;
    const serverWon = random() < p;
    const outcome = playPoint(s, serverWon ? server === 0 : server === 1);
    if (outcome === 'match') break;
    yield send(status('live'));
    yield send({ kind: 'odds', market: 'winner', prices: price() });
    if (critical) yield send({ kind: 'market_status', market: 'winner', status: 'open' });
    if (outcome === 'set') yield wait(90);
    else if (outcome === 'game') yield wait(30);
  }
  yield send(status('ended'));
  yield wait(20);
  yield send({
    kind: 'result',
    market: 'winner',
    winners: [s.sets[0] > s.sets[1] ? 'home' : 'away'],
  });
}
