/**
 * Drawing paths from a generator: path i uses its own seeded stream (prng.forPath), so results
 * are reproducible and independent of the number of paths. Prices are float64 along the path and
 * become wei once, rounded to 8 decimals from the float's exact value (wei-text.floatPriceToWei).
 */
import { forPath } from '../prng.ts';
import { pricesFromReturns } from '../returns.ts';
import { floatPriceToWei, weiToFloat } from '../wei-text.ts';
import type { PricePath } from './replay.ts';
import type { ReturnGenerator } from './types.ts';

export interface DrawOptions {
  readonly paths: number;
  /** Returns per path (horizon / resolution). */
  readonly steps: number;
  readonly seed: number;
  /** Called after each path (progress). */
  readonly onPath?: (index: number) => void;
}

export function drawReturns(gen: ReturnGenerator, o: DrawOptions): Float64Array[] {
  const out: Float64Array[] = [];
  for (let i = 0; i < o.paths; i++) {
    out.push(gen.generate(forPath(o.seed, i), o.steps));
    o.onPath?.(i);
  }
  return out;
}

/** A path of wei prices from a start price and log returns, timed from `startTime`. */
export function toPricePath(startPrice: bigint, returns: Float64Array, resolution: number, startTime: number): PricePath {
  const prices = pricesFromReturns(weiToFloat(startPrice), returns);
  const time: number[] = [];
  const price: bigint[] = [startPrice];
  time.push(startTime);
  for (let i = 1; i < prices.length; i++) {
    time.push(startTime + i * resolution);
    price.push(floatPriceToWei(prices[i] as number));
  }
  return { time, price };
}
