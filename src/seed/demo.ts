// Demo data for the embedded default: a few sports and competitions with upcoming fixtures
// priced with a bookmaker's margin, a player with a funded wallet and an admin. Safe to run
// on every start: it only adds what is missing and tops up fixtures that have started.
import {
  createCompetition,
  createEvent,
  createSport,
  listEvents,
  listSports,
  type NewMarket,
} from '../modules/catalog/index.ts';
import { ensureAdmin, findByEmail, registerPlayer } from '../modules/identity/index.ts';
import { deposit, sandboxProvider } from '../modules/wallet/index.ts';
import type { Config } from '../platform/config.ts';
import type { Db } from '../platform/db/db.ts';

export const DEMO_PLAYER = {
  email: 'demo@ibet.example',
  password: 'demo-player-2026',
  displayName: 'Demo Player',
  dateOfBirth: '1990-05-17',
  country: 'IE',
  currency: 'EUR',
};
/**
 * The demo admin signs in with a second factor, as all staff must: add `totpSecret` to an
 * authenticator app (it is printed at start). Demo data only — never a real deployment.
 */
export const DEMO_ADMIN = {
  email: 'admin@ibet.example',
  password: 'demo-admin-password',
  totpSecret: 'JBSWY3DPEHPK3PXPMZXW6YTBOJSXIIDB',
};
/** 500.00 EUR */
export const DEMO_FUNDING = 50_000n;

const FIXTURES_PER_COMPETITION = 4;

interface CompetitionSeed {
  name: string;
  country: string;
  teams: string[];
  markets: (home: string, away: string, strength: number) => NewMarket[];
}

interface SportSeed {
  slug: string;
  name: string;
  competitions: CompetitionSeed[];
}

/** Decimal odds in thousandths for outcome probabilities, with a margin (overround). */
export function priceFor(probabilities: number[], margin = 0.06): number[] {
  const total = probabilities.reduce((a, b) => a + b, 0);
  return probabilities.map((p) => {
    const fair = total / p;
    const priced = Math.floor((fair / (1 + margin)) * 100) * 10; // two decimals, as books quote
    return Math.min(Math.max(priced, 1010), 1_000_000);
  });
}

const football = (home: string, away: string, strength: number): NewMarket[] => {
  const h = 0.2 + 0.5 * strength;
  const d = 0.27;
  const a = 1 - h - d;
  const [ph, pd, pa] = priceFor([h, d, a]) as [number, number, number];
  const over = 0.45 + 0.15 * Math.abs(strength - 0.5);
  const [po, pu] = priceFor([over, 1 - over]) as [number, number];
  const [py, pn] = priceFor([0.52, 0.48]) as [number, number];
  return [
    {
      type: 'match_result',
      name: 'Match result',
      selections: [
        { name: home, outcome: 'home', price: ph },
        { name: 'Draw', outcome: 'draw', price: pd },
        { name: away, outcome: 'away', price: pa },
      ],
    },
    {
      type: 'over_under',
      name: 'Total goals over/under 2.5',
      line: 2500,
      selections: [
        { name: 'Over 2.5', outcome: 'over', price: po },
        { name: 'Under 2.5', outcome: 'under', price: pu },
      ],
    },
    {
      type: 'both_teams_to_score',
      name: 'Both teams to score',
      selections: [
        { name: 'Yes', outcome: 'yes', price: py },
        { name: 'No', outcome: 'no', price: pn },
      ],
    },
  ];
};

const twoWay =
  (type: string, name: string, total?: { line: number; label: string }) =>
  (home: string, away: string, strength: number): NewMarket[] => {
    const [ph, pa] = priceFor([0.15 + 0.7 * strength, 0.85 - 0.7 * strength]) as [number, number];
    const markets: NewMarket[] = [
      {
        type,
        name,
        selections: [
          { name: home, outcome: 'home', price: ph },
          { name: away, outcome: 'away', price: pa },
        ],
      },
    ];
    if (total) {
      const [po, pu] = priceFor([0.5, 0.5]) as [number, number];
      markets.push({
        type: 'over_under',
        name: `${total.label} over/under ${total.line / 1000}`,
        line: total.line,
        selections: [
          { name: `Over ${total.line / 1000}`, outcome: 'over', price: po },
          { name: `Under ${total.line / 1000}`, outcome: 'under', price: pu },
        ],
      });
    }
    return markets;
  };

const SPORTS: SportSeed[] = [
  {
    slug: 'football',
    name: 'Football',
    competitions: [
      {
        name: 'Premier League',
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
        markets: football,
      },
      {
        name: 'La Liga',
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
        markets: football,
      },
      {
        name: 'Bundesliga',
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
        markets: football,
      },
    ],
  },
  {
    slug: 'tennis',
    name: 'Tennis',
    competitions: [
      {
        name: 'ATP Finals',
        country: 'Italy',
        teams: [
          'J. Sinner',
          'C. Alcaraz',
          'N. Djokovic',
          'A. Zverev',
          'D. Medvedev',
          'T. Fritz',
          'C. Ruud',
          'A. de Minaur',
        ],
        markets: twoWay('match_winner', 'Match winner'),
      },
    ],
  },
  {
    slug: 'basketball',
    name: 'Basketball',
    competitions: [
      {
        name: 'EuroLeague',
        country: 'Europe',
        teams: [
          'Real Madrid',
          'Panathinaikos',
          'Olympiacos',
          'Fenerbahçe',
          'Monaco',
          'Barcelona',
          'Partizan',
          'Virtus Bologna',
        ],
        markets: twoWay('money_line', 'Money line', { line: 165_500, label: 'Total points' }),
      },
    ],
  },
  {
    slug: 'ice-hockey',
    name: 'Ice hockey',
    competitions: [
      {
        name: 'SHL',
        country: 'Sweden',
        teams: [
          'Färjestad',
          'Skellefteå',
          'Frölunda',
          'Luleå',
          'Rögle',
          'Växjö Lakers',
          'Djurgården',
          'Brynäs',
        ],
        markets: twoWay('money_line', 'Money line (incl. overtime)', {
          line: 5500,
          label: 'Total goals',
        }),
      },
    ],
  },
];

async function seedCatalog(db: Db): Promise<number> {
  let created = 0;
  const existing = await listSports(db);
  for (const [order, sport] of SPORTS.entries()) {
    const found = existing.find((s) => s.slug === sport.slug);
    const sportId =
      found?.id ??
      (
        await db.transaction((tx) =>
          createSport(tx, { slug: sport.slug, name: sport.name, displayOrder: order }),
        )
      ).id;
    for (const competition of sport.competitions) {
      const competitionId =
        found?.competitions.find((c) => c.name === competition.name)?.id ??
        (
          await db.transaction((tx) =>
            createCompetition(tx, {
              sportId,
              name: competition.name,
              country: competition.country,
            }),
          )
        ).id;
      const upcoming = await listEvents(db, { competitionId, limit: 100 });
      const missing = FIXTURES_PER_COMPETITION - upcoming.items.length;
      const teams = competition.teams;
      const pairing = (round: number) =>
        [
          teams[(round * 2) % teams.length]!,
          teams[(round * 2 + 1 + Math.floor(round / 4)) % teams.length]!,
        ] as const;
      // Topping up adds new fixtures: skip rounds whose fixture is still upcoming.
      const upcomingNames = new Set(upcoming.items.map((e) => e.name));
      let round = upcoming.items.length;
      for (let i = 0; i < missing; i++, round++) {
        while (upcomingNames.has(pairing(round).join(' v '))) round++;
        const [home, away] = pairing(round);
        const startsAt = new Date(
          Date.now() + (3 + round * 26 + sport.competitions.indexOf(competition) * 2) * 3600_000,
        );
        startsAt.setUTCMinutes(round % 2 === 0 ? 0 : 30, 0, 0);
        const strength = 0.25 + ((round * 37) % 50) / 100;
        await db.transaction((tx) =>
          createEvent(tx, {
            competitionId,
            name: `${home} v ${away}`,
            home,
            away,
            startsAt: startsAt.toISOString(),
            markets: competition.markets(home, away, strength),
          }),
        );
        created++;
      }
    }
  }
  return created;
}

export async function seedDemo(db: Db, config: Config): Promise<void> {
  await seedCatalog(db);
  if (!(await findByEmail(db, 'player', DEMO_PLAYER.email))) {
    const playerId = (await registerPlayer(db, config, DEMO_PLAYER)).id;
    await deposit(
      { db, provider: sandboxProvider, limits: config.limits },
      {
        scope: playerId,
        idempotencyKey: 'demo-funding',
        input: { ownerId: playerId, amount: DEMO_FUNDING },
      },
    );
  }
  if (!(await findByEmail(db, 'staff', DEMO_ADMIN.email))) {
    await ensureAdmin(db, DEMO_ADMIN, config.argon2);
  }
}
