// Market templates for the trading forms: the known market types fix their selections'
// outcome codes (the server settles them from those); "custom" is any other market.
export interface SelectionDraft {
  name: string;
  outcome: string;
  price: string;
}

export interface MarketTemplate {
  type: string;
  label: string;
  name: string;
  line: boolean;
  selections: (home: string, away: string) => SelectionDraft[];
}

export const TEMPLATES: MarketTemplate[] = [
  {
    type: 'match_result',
    label: 'Match result (1X2)',
    name: 'Match result',
    line: false,
    selections: (home, away) => [
      { name: home || 'Home', outcome: 'home', price: '' },
      { name: 'Draw', outcome: 'draw', price: '' },
      { name: away || 'Away', outcome: 'away', price: '' },
    ],
  },
  {
    type: 'over_under',
    label: 'Total goals over/under',
    name: 'Total goals',
    line: true,
    selections: () => [
      { name: 'Over', outcome: 'over', price: '' },
      { name: 'Under', outcome: 'under', price: '' },
    ],
  },
  {
    type: 'both_teams_to_score',
    label: 'Both teams to score',
    name: 'Both teams to score',
    line: false,
    selections: () => [
      { name: 'Yes', outcome: 'yes', price: '' },
      { name: 'No', outcome: 'no', price: '' },
    ],
  },
  {
    type: 'money_line',
    label: 'Money line (home/away)',
    name: 'Money line',
    line: false,
    selections: (home, away) => [
      { name: home || 'Home', outcome: 'home', price: '' },
      { name: away || 'Away', outcome: 'away', price: '' },
    ],
  },
  {
    type: 'custom',
    label: 'Custom market',
    name: '',
    line: false,
    selections: () => [
      { name: '', outcome: '', price: '' },
      { name: '', outcome: '', price: '' },
    ],
  },
];

/** The request body of a market from a filled-in template. */
export function marketBody(
  type: string,
  name: string,
  line: string,
  selections: SelectionDraft[],
): {
  type: string;
  name: string;
  line?: string;
  selections: { name: string; outcome?: string; price: string }[];
} {
  return {
    type: type === 'custom' ? 'custom' : type,
    name: name.trim(),
    ...(line.trim() ? { line: line.trim() } : {}),
    selections: selections.map((s) => ({
      name: s.name.trim(),
      ...(s.outcome.trim() ? { outcome: s.outcome.trim() } : {}),
      price: s.price.trim(),
    })),
  };
}
