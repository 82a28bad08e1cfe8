/**
 * Geometric Brownian motion fitted to the history by moments: i.i.d. normal log returns with the
 * history's mean and standard deviation. The control model: it reproduces volatility and
 * nothing else (no fat tails, no clustering), which the facts check must detect.
 */
import { mean, sampleStandardDeviation } from 'simple-statistics';
import type { Rng } from '../prng.ts';
import type { ReturnGenerator } from './types.ts';

export function fitGbm(history: Float64Array, resolution: number): ReturnGenerator {
  const mu = mean(history as unknown as number[]);
  const sigma = sampleStandardDeviation(history as unknown as number[]);
  return {
    name: 'gbm',
    description: 'GBM (normal i.i.d. log returns), moments of the history',
    resolution,
    reproduces: ['volatility'],
    params: { mu, sigma },
    generate(rng: Rng, steps: number): Float64Array {
      const out = new Float64Array(steps);
      for (let k = 0; k < steps; k++) out[k] = mu + sigma * rng.normal();
      return out;
    },
  };
}
