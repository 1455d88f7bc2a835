// Football as a Poisson process: each side scores at its own rate per minute. Prices come
// from the same model: the goals still to come in the remaining time are Poisson, so the
// chance of each result, of over 2.5 goals and of both teams scoring follows from the score.

export interface FootballState {
  minute: number;
  home: number;
  away: number;
  /** Expected goals over 90 minutes, per side (a red card lowers a side's). */
  rateHome: number;
  rateAway: number;
}

export interface FootballOdds {
  home: number;
  draw: number;
  away: number;
  over: number;
  under: number;
  bttsYes: number;
  bttsNo: number;
}

const MAX_GOALS = 12;

function poisson(mean: number): number[] {
  const out: number[] = [];
  let p = Math.exp(-mean);
  for (let k = 0; k <= MAX_GOALS; k++) {
    out.push(p);
    p = (p * mean) / (k + 1);
  }
  return out;
}

/** Outcome probabilities from the current state, with `length` minutes in the match. */
export function footballProbabilities(s: FootballState, length = 90): FootballOdds {
  const left = Math.max(0, length - s.minute) / 90;
  const h = poisson(s.rateHome * left);
  const a = poisson(s.rateAway * left);
  const odds: FootballOdds = {
    home: 0,
    draw: 0,
    away: 0,
    over: 0,
    under: 0,
    bttsYes: 0,
    bttsNo: 0,
  };
  for (let i = 0; i <= MAX_GOALS; i++) {
    for (let j = 0; j <= MAX_GOALS; j++) {
      const p = h[i]! * a[j]!;
      const home = s.home + i;
      const away = s.away + j;
      if (home > away) odds.home += p;
      else if (home === away) odds.draw += p;
      else odds.away += p;
      if (home + away > 2.5) odds.over += p;
      else odds.under += p;
      if (home > 0 && away > 0) odds.bttsYes += p;
      else odds.bttsNo += p;
    }
  }
  return odds;
}
