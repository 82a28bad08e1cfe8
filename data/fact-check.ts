/**
 * Holds a generator to the facts it is meant to reproduce, with tolerances stated here (and in
 * docs/DATA.md). A sample as long as the history is compared with the history it was fitted on.
 *
 * Tolerances, generated vs history:
 *   volatility            within ±10 % (relative)
 *   excess kurtosis       within a factor of 2 (0.5× … 2×): a fourth-moment statistic driven by a
 *                         few extreme returns, so its own sampling error is large
 *   ACF of |r|, lags 1–24 mean absolute difference ≤ 0.05, and the mean level within ±50 %
 *   1 % / 99 % quantiles  each within ±15 % (relative)
 *   worst 1 h / 24 h fall each within a factor of 2 (an extreme of one sample)
 */
import type { FactName } from './generators/types.ts';
import type { StylisedFacts } from './stylized-facts.ts';

export const TOLERANCES = {
  volatility: 0.1,
  kurtosisFactor: 2,
  acfMeanAbsDiff: 0.05,
  acfLevel: 0.5,
  quantile: 0.15,
  drawdownFactor: 2,
} as const;

export interface FactVerdict {
  readonly fact: FactName;
  readonly pass: boolean;
  /** What was compared, for the report. */
  readonly detail: string;
}

const rel = (a: number, b: number) => Math.abs(a / b - 1);
const withinFactor = (a: number, b: number, f: number) => a / b <= f && a / b >= 1 / f;

export function checkFact(fact: FactName, hist: StylisedFacts, gen: StylisedFacts): FactVerdict {
  switch (fact) {
    case 'volatility': {
      const d = rel(gen.volatility, hist.volatility);
      return { fact, pass: d <= TOLERANCES.volatility, detail: `σ ${gen.volatility.toExponential(3)} vs ${hist.volatility.toExponential(3)} (${(d * 100).toFixed(1)} %, tol ${TOLERANCES.volatility * 100} %)` };
    }
    case 'excessKurtosis': {
      const pass = withinFactor(gen.excessKurtosis, hist.excessKurtosis, TOLERANCES.kurtosisFactor);
      return { fact, pass, detail: `kurtosis ${gen.excessKurtosis.toFixed(2)} vs ${hist.excessKurtosis.toFixed(2)} (tol ×${TOLERANCES.kurtosisFactor})` };
    }
    case 'acfAbs': {
      const diffs = gen.acfAbs.map((v, i) => Math.abs(v - (hist.acfAbs[i] as number)));
      const mad = diffs.reduce((a, b) => a + b, 0) / diffs.length;
      const level = gen.acfAbs.reduce((a, b) => a + b, 0) / hist.acfAbs.reduce((a, b) => a + b, 0);
      const pass = mad <= TOLERANCES.acfMeanAbsDiff && Math.abs(level - 1) <= TOLERANCES.acfLevel;
      return { fact, pass, detail: `ACF|r| mean abs diff ${mad.toFixed(3)} (tol ${TOLERANCES.acfMeanAbsDiff}), level ×${level.toFixed(2)} (tol ±${TOLERANCES.acfLevel * 100} %)` };
    }
    case 'quantiles': {
      const d1 = rel(gen.q01, hist.q01);
      const d99 = rel(gen.q99, hist.q99);
      return { fact, pass: d1 <= TOLERANCES.quantile && d99 <= TOLERANCES.quantile, detail: `q01 ${(d1 * 100).toFixed(1)} %, q99 ${(d99 * 100).toFixed(1)} % off (tol ${TOLERANCES.quantile * 100} %)` };
    }
    case 'drawdowns': {
      const f = TOLERANCES.drawdownFactor;
      const pass = withinFactor(gen.worstDrawdown1h, hist.worstDrawdown1h, f) && withinFactor(gen.worstDrawdown24h, hist.worstDrawdown24h, f);
      return {
        fact,
        pass,
        detail: `worst 1h ${(gen.worstDrawdown1h * 100).toFixed(1)} % vs ${(hist.worstDrawdown1h * 100).toFixed(1)} %, 24h ${(gen.worstDrawdown24h * 100).toFixed(1)} % vs ${(hist.worstDrawdown24h * 100).toFixed(1)} % (tol ×${f})`,
      };
    }
  }
}

export function checkFacts(facts: readonly FactName[], hist: StylisedFacts, gen: StylisedFacts): FactVerdict[] {
  return facts.map((f) => checkFact(f, hist, gen));
}

export const ALL_FACTS: readonly FactName[] = ['volatility', 'excessKurtosis', 'acfAbs', 'quantiles', 'drawdowns'];
