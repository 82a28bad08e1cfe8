/**
 * A price-path generator produces log returns at the resolution it was fitted at; prices follow
 * from a start price and become wei once, at the end (see paths.ts).
 */
import type { Rng } from '../prng.ts';

/** The stylised facts a generator can be checked on (see stylized-facts.ts, fact-check.ts). */
export type FactName = 'volatility' | 'excessKurtosis' | 'acfAbs' | 'quantiles' | 'drawdowns';

export interface ReturnGenerator {
  readonly name: string;
  readonly description: string;
  /** Seconds per generated return (the resolution of the history it was fitted on). */
  readonly resolution: number;
  /** The facts it is meant to reproduce; the facts check holds it to these. */
  readonly reproduces: readonly FactName[];
  /** Fitted parameters, for reports. */
  readonly params: Readonly<Record<string, number>>;
  generate(rng: Rng, steps: number): Float64Array;
}
