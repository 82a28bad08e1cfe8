/**
 * Stationary block bootstrap (Politis & Romano, 1994) of historical log returns: blocks start at
 * uniform random positions and have geometric lengths with mean `meanBlock`, wrapping around the
 * end. Keeps the return distribution exactly and the dependence (volatility clustering) within
 * blocks.
 */
import type { Rng } from '../prng.ts';
import type { ReturnGenerator } from './types.ts';

export function blockBootstrap(history: Float64Array, resolution: number, meanBlock = 72): ReturnGenerator {
  if (history.length < 2) throw new RangeError('the bootstrap needs a history of returns');
  if (meanBlock < 1) throw new RangeError('mean block length must be at least 1');
  const n = history.length;
  const pNew = 1 / meanBlock;
  return {
    name: 'bootstrap',
    description: `stationary block bootstrap of ${n} historical returns, mean block ${meanBlock} bars`,
    resolution,
    reproduces: ['volatility', 'excessKurtosis', 'acfAbs', 'quantiles', 'drawdowns'],
    params: { meanBlock, historyLength: n },
    generate(rng: Rng, steps: number): Float64Array {
      const out = new Float64Array(steps);
      let i = rng.int(n);
      for (let k = 0; k < steps; k++) {
        if (k > 0) i = rng.next() < pNew ? rng.int(n) : (i + 1) % n;
        out[k] = history[i] as number;
      }
      return out;
    },
  };
}
