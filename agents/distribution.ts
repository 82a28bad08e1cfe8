/**
 * Parameters that differ across a population: a fixed number, a uniform range, or a log-normal
 * (median and the sd of its log). Each agent draws its own from its seeded stream, so the same
 * scenario and seed give the same population in any thread; capital is instead spread over
 * the population at stratified quantiles (agent i of n at (i − ½)/n), so a population of any
 * size holds exactly the distribution asked for.
 */
import { probit } from 'simple-statistics';
import { z } from 'zod';
import type { Rng } from '../data/prng.ts';

export type Distribution = number | { readonly min: number; readonly max: number } | { readonly median: number; readonly sigma: number };

export const DistributionSchema = (value: z.ZodNumber) =>
  z.union([
    value,
    z.strictObject({ min: value, max: value }).refine((d) => d.max >= d.min, 'max must be at least min'),
    z.strictObject({ median: value, sigma: z.number().finite().nonnegative() }),
  ]);

/** One draw (a number is itself, with no draw made). */
export function draw(rng: Rng, d: Distribution): number {
  if (typeof d === 'number') return d;
  if ('min' in d) return d.min + rng.next() * (d.max - d.min);
  return d.median * Math.exp(d.sigma * rng.normal());
}

/** The central value: what the engine assumes when it needs one number (a latency before any draw). */
export function centre(d: Distribution): number {
  if (typeof d === 'number') return d;
  return 'min' in d ? (d.min + d.max) / 2 : d.median;
}

/** Log-normal capital at stratified quantiles: agent i (1-based) of n, in whole USD. */
export function stratifiedLogNormal(median: number, sigma: number, i: number, n: number): number {
  return Math.round(median * Math.exp(sigma * probit((i - 0.5) / n)));
}
