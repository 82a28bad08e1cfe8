/**
 * The generators by name, fitted to one history of log returns.
 */
import { blockBootstrap } from './bootstrap.ts';
import { fitGarch } from './garch.ts';
import { fitGbm } from './gbm.ts';
import { fitMerton } from './merton.ts';
import type { ReturnGenerator } from './types.ts';

export const GENERATOR_NAMES = ['bootstrap', 'merton', 'garch', 'garch-fhs', 'gbm'] as const;
export type GeneratorName = (typeof GENERATOR_NAMES)[number];

export function isGeneratorName(x: string): x is GeneratorName {
  return (GENERATOR_NAMES as readonly string[]).includes(x);
}

export function fitGenerator(name: GeneratorName, history: Float64Array, resolution: number, options: { meanBlock?: number } = {}): ReturnGenerator {
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
  }
}
