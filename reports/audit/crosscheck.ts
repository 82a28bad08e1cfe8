/**
 * Cross-check results as `vamm crosscheck --out` writes them (contracts/harness/replay.ts,
 * ReplayReport): transactions replayed on anvil, divergences with the actions that reproduce
 * them, gas per operation. Read and validated here, so a malformed file is refused with its
 * place rather than drawn wrongly.
 */
import { z } from 'zod';
import { parseLocatedWith, readInputText } from '../../scenarios/json-validate.ts';

const count = z.number().int().nonnegative();

export const GasStatsSchema = z.object({ count, min: count, median: count, max: count });

export const DivergenceSchema = z.object({
  step: z.number().int(),
  action: z.string(),
  field: z.string(),
  model: z.string(),
  chain: z.string(),
  reproduce: z.array(z.unknown()),
});

export const CrosscheckResultSchema = z.object({
  name: z.string(),
  steps: count,
  transactions: count,
  reverted: count,
  blocks: count,
  divergences: z.array(DivergenceSchema),
  gas: z.record(z.string(), GasStatsSchema),
  seconds: z.number().nonnegative(),
  transactionsPerSecond: z.number().nonnegative(),
  modelSeconds: z.number().nonnegative(),
});

export type CrosscheckResult = z.output<typeof CrosscheckResultSchema> & { readonly file: string };

export function loadCrosscheckResult(file: string): CrosscheckResult {
  const { data } = parseLocatedWith(CrosscheckResultSchema, readInputText(file, 'cross-check result'), file);
  return { ...data, file };
}
