/**
 * The generators by name, fitted to one history of log returns — except `mdn`, the learned
 * model, which is trained ahead of time (`vamm train generative`) and loaded from disk.
 */
import { blockBootstrap } from './bootstrap.ts';
import { fitGarch } from './garch.ts';
import { fitGbm } from './gbm.ts';
import { fitMerton } from './merton.ts';
import { DEFAULT_MDN_DIR, loadMdnGenerator } from './mdn.ts';
import type { ReturnGenerator } from './types.ts';

export const GENERATOR_NAMES = ['bootstrap', 'merton', 'garch', 'garch-fhs', 'gbm', 'mdn'] as const;
export type GeneratorName = (typeof GENERATOR_NAMES)[number];

export function isGeneratorName(x: string): x is GeneratorName {
  return (GENERATOR_NAMES as readonly string[]).includes(x);
}

export interface GeneratorOptions {
  readonly meanBlock?: number;
  /** Folder of the trained `mdn` model (default: the one shipped in data/trained/). */
  readonly mdnDir?: string;
}

export function fitGenerator(name: GeneratorName, history: Float64Array, resolution: number, options: GeneratorOptions = {}): ReturnGenerator {
  switch (name) {
    case 'bootstrap':
      return blockBootstrap(history, resolution, options.meanBlock ?? Math.round((72 * 3600) / resolution));
    case 'merton':
      return fitMerton(history, resolution);
    case 'garch':
      return fitGarch(history, resolution, 'normal');
    case 'garch-fhs':
      return fitGarch(history, resolution, 'residuals');
    case 'gbm':
      return fitGbm(history, resolution);
    case 'mdn': {
      const gen = loadMdnGenerator(options.mdnDir ?? DEFAULT_MDN_DIR);
      if (gen.resolution !== resolution) throw new RangeError(`the mdn model was trained on ${gen.resolution}s returns, not ${resolution}s: train one at this resolution`);
      return gen;
    }
  }
}
