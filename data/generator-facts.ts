/**
 * Stylised facts of a generator, sampled so that the comparison with the history is fair:
 * `replicates` independent samples, each of `paths` × `steps` returns (as long as the history).
 * Distribution facts (volatility, kurtosis, ACF, quantiles) are estimated from all replicates
 * pooled, i.e. the generator's own distribution with little sampling noise; the drawdowns, which
 * are extremes of one sample, are the median over the replicates of each replicate's worst.
 */
import { median } from 'simple-statistics';
import { type StylisedFacts, stylisedFacts, worstDrawdown } from './stylized-facts.ts';
import { forPath } from './prng.ts';
import type { ReturnGenerator } from './generators/types.ts';

export interface FactsSampling {
  readonly replicates: number;
  readonly paths: number;
  readonly steps: number;
  readonly seed: number;
  readonly onReplicate?: (k: number) => void;
}

export interface GeneratorFacts {
  readonly generator: string;
  readonly facts: StylisedFacts;
  /** Each replicate's worst falls: [min, max] over replicates (the median is in `facts`). */
  readonly drawdownRange: { readonly worst1h: readonly [number, number]; readonly worst24h: readonly [number, number] };
  readonly sampling: Omit<FactsSampling, 'onReplicate'>;
}

export function generatorFacts(gen: ReturnGenerator, o: FactsSampling): GeneratorFacts {
  const all: Float64Array[] = [];
  const dd1: number[] = [];
  const dd24: number[] = [];
  const bars = (s: number) => Math.max(1, Math.round(s / gen.resolution));
  for (let k = 0; k < o.replicates; k++) {
    const paths: Float64Array[] = [];
    for (let i = 0; i < o.paths; i++) paths.push(gen.generate(forPath(o.seed, k * o.paths + i), o.steps));
    dd1.push(Math.min(...paths.map((p) => worstDrawdown(p, bars(3600)))));
    dd24.push(Math.min(...paths.map((p) => worstDrawdown(p, bars(86400)))));
    all.push(...paths);
    o.onReplicate?.(k);
  }
  const pooled = stylisedFacts(all, gen.resolution);
  return {
    generator: gen.name,
    facts: { ...pooled, worstDrawdown1h: median(dd1), worstDrawdown24h: median(dd24) },
    drawdownRange: { worst1h: [Math.min(...dd1), Math.max(...dd1)], worst24h: [Math.min(...dd24), Math.max(...dd24)] },
    sampling: { replicates: o.replicates, paths: o.paths, steps: o.steps, seed: o.seed },
  };
}
