// Our prices from a provider's: its odds are read as probabilities, normalised to 100% (so
// its own margin does not add to ours), then our margin is added as overround and the price
// is rounded down to two decimals, as books quote.

const MIN_PRICE = 1010; // 1.01
const MAX_PRICE = 1_000_000; // 1000

/** Provider decimal odds of every selection of a market → prices in thousandths. */
export function applyMargin(providerPrices: readonly number[], marginBps: number): number[] {
  const implied = providerPrices.map((price) => 1 / price);
  const total = implied.reduce((a, b) => a + b, 0);
  const overround = 1 + marginBps / 10_000;
  return implied.map((p) => {
    const fair = total / p;
    const priced = Math.floor((fair / overround) * 100 + 1e-9) * 10;
    return Math.min(Math.max(priced, MIN_PRICE), MAX_PRICE);
  });
}

/** Decimal odds from outcome probabilities (what a model gives), for providers and tests. */
export const oddsFromProbabilities = (probabilities: readonly number[]): number[] =>
  probabilities.map((p) => 1 / Math.min(0.999, Math.max(p, 0.0001)));
