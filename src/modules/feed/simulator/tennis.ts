// Tennis point by point: each player wins a point on serve with a fixed probability.
// The chance of winning the match from any score follows exactly from those two numbers
// (games, tie-breaks at 6-6, sets; best of three), which is how the simulator prices it.

export interface TennisState {
  /** Sets won. */
  sets: [number, number];
  /** Games in each finished set, then the current one. */
  games: [number, number][];
  /** Points in the current game (or tie-break). */
  points: [number, number];
  /** 0: home serves, 1: away serves. */
  server: 0 | 1;
  tiebreak: boolean;
  /** Who served the first point of the tie-break (its service order depends on it). */
  tiebreakFirst: 0 | 1;
}

export const SETS_TO_WIN = 2;

export function newTennis(): TennisState {
  return {
    sets: [0, 0],
    games: [[0, 0]],
    points: [0, 0],
    server: 0,
    tiebreak: false,
    tiebreakFirst: 0,
  };
}

/** Probability the server wins a game from points (a, b), server's points first. */
function gameFrom(p: number, a: number, b: number): number {
  if (a >= 4 && a - b >= 2) return 1;
  if (b >= 4 && b - a >= 2) return 0;
  if (a >= 3 && b >= 3) {
    const deuce = (p * p) / (p * p + (1 - p) * (1 - p));
    if (a === b) return deuce;
    return a > b ? p + (1 - p) * deuce : p * deuce;
  }
  return p * gameFrom(p, a + 1, b) + (1 - p) * gameFrom(p, a, b + 1);
}

/**
 * Probability that home wins a tie-break from (a, b), where `first` served its first point
 * and service changes after the first point, then every two.
 */
function tiebreakFrom(pHome: number, pAway: number, a: number, b: number, first: 0 | 1): number {
  if (a >= 7 && a - b >= 2) return 1;
  if (b >= 7 && b - a >= 2) return 0;
  const winOnHomeServe = pHome;
  const winOnAwayServe = 1 - pAway;
  if (a >= 6 && b >= 6 && a === b) {
    // The next two points are one on each serve, whatever the order.
    const both = winOnHomeServe * winOnAwayServe;
    const neither = (1 - winOnHomeServe) * (1 - winOnAwayServe);
    return both / (both + neither);
  }
  const k = a + b;
  const server = Math.floor((k + 1) / 2) % 2 === 0 ? first : ((1 - first) as 0 | 1);
  const p = server === 0 ? winOnHomeServe : winOnAwayServe;
  return (
    p * tiebreakFrom(pHome, pAway, a + 1, b, first) +
    (1 - p) * tiebreakFrom(pHome, pAway, a, b + 1, first)
  );
}

/** Probability that home wins the set from games (a, b) with `server` to serve the next game. */
function setFrom(
  pHome: number,
  pAway: number,
  a: number,
  b: number,
  server: 0 | 1,
  memo: Map<string, number>,
): number {
  if (a >= 6 && a - b >= 2) return 1;
  if (b >= 6 && b - a >= 2) return 0;
  if (a === 7 || b === 7) return a > b ? 1 : 0;
  if (a === 6 && b === 6) return tiebreakFrom(pHome, pAway, 0, 0, server);
  const key = `${a}:${b}:${server}`;
  const known = memo.get(key);
  if (known !== undefined) return known;
  const hold = server === 0 ? gameFrom(pHome, 0, 0) : 1 - gameFrom(pAway, 0, 0);
  const next = (1 - server) as 0 | 1;
  const value =
    hold * setFrom(pHome, pAway, a + 1, b, next, memo) +
    (1 - hold) * setFrom(pHome, pAway, a, b + 1, next, memo);
  memo.set(key, value);
  return value;
}

function matchFrom(setsHome: number, setsAway: number, pSet: number): number {
  if (setsHome >= SETS_TO_WIN) return 1;
  if (setsAway >= SETS_TO_WIN) return 0;
  return (
    pSet * matchFrom(setsHome + 1, setsAway, pSet) +
    (1 - pSet) * matchFrom(setsHome, setsAway + 1, pSet)
  );
}

/** Probability that home wins the match from the current state. */
export function tennisHomeWins(s: TennisState, pHome: number, pAway: number): number {
  if (s.sets[0] >= SETS_TO_WIN) return 1;
  if (s.sets[1] >= SETS_TO_WIN) return 0;
  const memo = new Map<string, number>();
  const [ga, gb] = s.games.at(-1)!;
  let currentSet: number;
  if (s.tiebreak) {
    currentSet = tiebreakFrom(pHome, pAway, s.points[0], s.points[1], s.tiebreakFirst);
  } else {
    const [pa, pb] = s.points;
    const game = s.server === 0 ? gameFrom(pHome, pa, pb) : 1 - gameFrom(pAway, pb, pa);
    const next = (1 - s.server) as 0 | 1;
    currentSet =
      game * setFrom(pHome, pAway, ga + 1, gb, next, memo) +
      (1 - game) * setFrom(pHome, pAway, ga, gb + 1, next, memo);
  }
  // A fresh set's chance is near even between two servers; either may start it.
  const fresh =
    (setFrom(pHome, pAway, 0, 0, 0, new Map()) + setFrom(pHome, pAway, 0, 0, 1, new Map())) / 2;
  return (
    currentSet * matchFrom(s.sets[0] + 1, s.sets[1], fresh) +
    (1 - currentSet) * matchFrom(s.sets[0], s.sets[1] + 1, fresh)
  );
}

export type PointOutcome = 'point' | 'game' | 'set' | 'match';

/** Plays one point: `homeWon` says who won it. Returns what the point completed. */
export function playPoint(s: TennisState, homeWon: boolean): PointOutcome {
  const w = homeWon ? 0 : 1;
  s.points[w] += 1;
  const [a, b] = s.points;
  const current = s.games.at(-1)!;
  let gameOver = false;
  if (s.tiebreak) {
    if ((a >= 7 || b >= 7) && Math.abs(a - b) >= 2) gameOver = true;
    else if ((a + b) % 2 === 1) s.server = (1 - s.server) as 0 | 1;
  } else if ((a >= 4 || b >= 4) && Math.abs(a - b) >= 2) {
    gameOver = true;
  }
  if (!gameOver) return 'point';
  current[w] += 1;
  s.points = [0, 0];
  const [ga, gb] = current;
  const setOver = s.tiebreak || ((ga >= 6 || gb >= 6) && Math.abs(ga - gb) >= 2);
  if (s.tiebreak) {
    // After a tie-break, the player who received first in it serves the next set.
    s.server = (1 - s.tiebreakFirst) as 0 | 1;
    s.tiebreak = false;
  } else {
    s.server = (1 - s.server) as 0 | 1;
  }
  if (!setOver) {
    if (ga === 6 && gb === 6) {
      s.tiebreak = true;
      s.tiebreakFirst = s.server;
    }
    return 'game';
  }
  s.sets[w] += 1;
  if (s.sets[w] >= SETS_TO_WIN) return 'match';
  s.games.push([0, 0]);
  return 'set';
}

const POINT_NAMES = ['0', '15', '30', '40'];

/** "6-4 3-2 (30-15)" */
export function tennisDetail(s: TennisState): string {
  const games = s.games.map(([a, b]) => `${a}-${b}`).join(' ');
  const [a, b] = s.points;
  let points: string;
  if (s.tiebreak) points = `${a}-${b}`;
  else if (a >= 3 && b >= 3) points = a === b ? 'deuce' : a > b ? 'adv-40' : '40-adv';
  else points = `${POINT_NAMES[a] ?? '40'}-${POINT_NAMES[b] ?? '40'}`;
  return a + b > 0 ? `${games} (${points})` : games;
}

/** The receiver is one point from breaking serve (outside a tie-break). */
export function breakPoint(s: TennisState): boolean {
  if (s.tiebreak) return false;
  const receiver = 1 - s.server;
  const r = s.points[receiver]!;
  const v = s.points[s.server]!;
  return r >= 3 && r - v >= 1;
}
