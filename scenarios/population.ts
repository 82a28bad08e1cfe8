/**
 * A market's book from what a risk team states about it: open interest per side, how many
 * accounts hold it and how concentrated it is (the top account's and the top ten's share of
 * each side), the account-leverage distribution (share of open interest at each leverage), the
 * vAMM's depth and the insurance fund's share of fees. A run scenario's `population` is the
 * book; each account becomes a `holder` (added before the scenario's agents) whose
 * position the engine opens before the start at exactly its notional and account leverage
 * (sim/engine/opening-book.ts); what the run then holds is checked by test/population.test.ts.
 *
 * Sizes are deterministic: the top account holds its stated share; accounts 2–10 and 11–n fall
 * off as power laws (a_i = a_1·i^−α, then a_10·(i/10)^−β) whose exponents are solved so each
 * group holds its stated share. Leverage goes to accounts largest first, each to the leverage
 * furthest below its stated share of open interest, so the realised shares miss the stated
 * ones by less than one account's size. The difference between the sides is held by one more
 * account, `skew-holder` (a hedged market maker at `skewHolderLeverage`), so the vAMM's net
 * position is zero at the start and the book enters at the start price.
 */
import { z } from 'zod';
import type { AgentSpec } from '../agents/registry.ts';
import { KeptBuilds } from '../sim/kept-builds.ts';

const share = z.number().min(0).max(1);
const usd = z.string().regex(/^\d+(\.\d{1,6})?$/, 'a USD amount as a decimal string');

/** Account leverage (notional / equity at the start mark) and the share of open interest at it. */
export const LeverageDistributionSchema = z.array(z.strictObject({ leverage: z.number().gt(0), share })).min(1);

/** The book a risk team states: open interest per side, accounts, concentration, leverage. */
export const BookSpecSchema = z
  .strictObject({
    /** Open interest per side (USD notional at the start price). */
    openInterest: z.strictObject({ long: usd, short: usd }),
    /** How many accounts hold each side. */
    accounts: z.strictObject({ long: z.number().int().min(1).max(5000), short: z.number().int().min(1).max(5000) }),
    /** Share of each side's open interest held by its largest account and by its ten largest. */
    concentration: z.strictObject({ top1: share, top10: share }),
    leverage: LeverageDistributionSchema,
    /**
     * Leverage of the market maker that holds the vAMM's net skew (long − short open interest,
     * on the other side), hedged off chain: a vAMM's skew is somebody's position.
     */
    skewHolderLeverage: z.number().gt(0).default(3),
  })
  .superRefine((p, ctx) => {
    const total = p.leverage.reduce((s, l) => s + l.share, 0);
    if (Math.abs(total - 1) > 1e-9) ctx.addIssue({ code: 'custom', path: ['leverage'], message: `the shares add up to ${total}, not 1` });
    if (p.concentration.top10 < p.concentration.top1) ctx.addIssue({ code: 'custom', path: ['concentration', 'top10'], message: 'the top ten hold at least what the top one holds' });
  });

export type BookSpec = z.output<typeof BookSpecSchema>;

/** Everything a risk team states about its market: the book, plus the vAMM's depth and the fund's fee share. */
export const PopulationSchema = z.intersection(
  BookSpecSchema,
  z.object({
    /** The vAMM's quote reserve at the start (USD). */
    depth: usd,
    /** The insurance fund's share of trading fees (0–1). */
    feeShare: share,
  }),
);

export type Population = z.output<typeof PopulationSchema>;

export interface BookAccount {
  readonly id: string;
  readonly side: 'long' | 'short';
  readonly notional: number;
  readonly leverage: number;
}

/** Solves for the exponent e ≥ 0 with Σ_i start·(i/base)^−e over `indices` equal to `target` (the sum falls as e rises). */
function solveExponent(start: number, base: number, indices: readonly number[], target: number): number {
  const sum = (e: number) => indices.reduce((s, i) => s + start * (i / base) ** -e, 0);
  if (target > sum(0) * (1 + 1e-12)) return Number.NaN;
  let [lo, hi] = [0, 1];
  while (sum(hi) > target) hi *= 2;
  for (let k = 0; k < 200; k++) {
    const mid = (lo + hi) / 2;
    if (sum(mid) > target) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/** Account sizes of one side, largest first, summing to `oi`, with the stated top-1 and top-10 shares. */
export function sideSizes(oi: number, n: number, top1: number, top10: number, side: string): number[] {
  if (n === 1) {
    if (Math.abs(top1 - 1) > 1e-9) throw new Error(`${side}: one account holds the whole side, so top1 must be 1 (got ${top1})`);
    return [oi];
  }
  const a1 = top1 * oi;
  const upper = Math.min(10, n);
  const mid = Array.from({ length: upper - 1 }, (_, k) => k + 2);
  const rest = Array.from({ length: Math.max(0, n - 10) }, (_, k) => k + 11);
  const midTotal = (n <= 10 ? 1 - top1 : top10 - top1) * oi;
  if (n <= 10 && Math.abs(top10 - 1) > 1e-9) throw new Error(`${side}: with ${n} accounts the top ten hold everything, so top10 must be 1 (got ${top10})`);
  const alpha = solveExponent(a1, 1, mid, midTotal);
  if (Number.isNaN(alpha)) throw new Error(`${side}: accounts 2–${upper} cannot hold ${((midTotal / oi) * 100).toFixed(1)} % without one outgrowing the largest (${(top1 * 100).toFixed(1)} %): raise top1 or lower top10`);
  const sizes = [a1, ...mid.map((i) => a1 * i ** -alpha)];
  if (rest.length) {
    const a10 = sizes[9] as number;
    const beta = solveExponent(a10, 10, rest, (1 - top10) * oi);
    if (Number.isNaN(beta)) throw new Error(`${side}: ${n - 10} accounts beyond the top ten cannot hold ${((1 - top10) * 100).toFixed(1)} % without outgrowing the tenth: state more accounts or a larger top10`);
    for (const i of rest) sizes.push(a10 * (i / 10) ** -beta);
  }
  return sizes;
}

/** Leverage per account (largest first), each to the leverage furthest below its share of the side's open interest. */
export function assignLeverage(sizes: readonly number[], buckets: BookSpec['leverage']): number[] {
  const oi = sizes.reduce((s, x) => s + x, 0);
  const assigned = buckets.map(() => 0);
  return sizes.map((size) => {
    let best = 0;
    for (let b = 1; b < buckets.length; b++) {
      const deficit = (x: number) => (buckets[x] as { share: number }).share * oi - (assigned[x] as number);
      if (deficit(b) > deficit(best)) best = b;
    }
    assigned[best] = (assigned[best] as number) + size;
    return (buckets[best] as { leverage: number }).leverage;
  });
}

/** The book: every account's side, notional (to the cent) and leverage (solved once per spec and kept; each call gets its own copy). */
export function populationBook(p: BookSpec): BookAccount[] {
  return books.get(p).map((a) => ({ ...a }));
}

/**
 * Books solved, by their spec's key: a study's every path parses the same population, and
 * solving its power laws takes about a millisecond.
 */
const books = new KeptBuilds<BookSpec, readonly BookAccount[]>(16, solveBook);

/** The book solved from its spec (what `populationBook` keeps). */
export function solveBook(p: BookSpec): BookAccount[] {
  const out: BookAccount[] = [];
  for (const side of ['long', 'short'] as const) {
    const oi = Number(p.openInterest[side]);
    if (oi <= 0) continue;
    const sizes = sideSizes(oi, p.accounts[side], p.concentration.top1, p.concentration.top10, side);
    const leverage = assignLeverage(sizes, p.leverage);
    sizes.forEach((size, i) => out.push({ id: `${side}-${i + 1}`, side, notional: Math.round(size * 100) / 100, leverage: leverage[i] as number }));
  }
  const skew = out.reduce((s, a) => s + (a.side === 'long' ? a.notional : -a.notional), 0);
  if (Math.abs(skew) >= 0.01) out.push({ id: 'skew-holder', side: skew > 0 ? 'short' : 'long', notional: Math.round(Math.abs(skew) * 100) / 100, leverage: p.skewHolderLeverage });
  return out;
}

/** The holders' agent specs for a book (each account one agent, named `<side>-<rank>`). */
export function holderSpecs(book: readonly BookAccount[], market?: string): AgentSpec[] {
  return book.map((a) => ({ kind: 'holder', name: a.id, count: 1, capital: '0', ...(market ? { market } : {}), params: { side: a.side, notional: a.notional, leverage: a.leverage } }));
}

/** A run scenario (JSON) with the population put into an environment: its book, depth and fee share. */
export function withPopulation(environment: Record<string, unknown>, p: Population): Record<string, unknown> {
  const env = structuredClone(environment) as Record<string, unknown> & { market?: Record<string, unknown>; clearingHouse?: Record<string, unknown> };
  const { depth, feeShare, ...book } = p;
  return {
    ...env,
    market: { ...(env.market ?? {}), depth },
    clearingHouse: { ...(env.clearingHouse ?? {}), insuranceFundFeeShare: String(feeShare) },
    population: book,
  };
}

/** Realised concentration and leverage shares of a book: what the stated inputs became. */
export function describeBook(book: readonly BookAccount[]): { openInterest: { long: number; short: number }; top1: { long: number; short: number }; top10: { long: number; short: number }; leverageShares: Record<string, number> } {
  // The stated accounts (the skew holder is the market's, not the stated book's).
  book = book.filter((a) => a.id !== 'skew-holder');
  const side = (s: 'long' | 'short') => book.filter((a) => a.side === s).map((a) => a.notional).sort((x, y) => y - x);
  const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);
  const [l, s] = [side('long'), side('short')];
  const total = sum(l) + sum(s);
  const leverageShares: Record<string, number> = {};
  for (const a of book) leverageShares[String(a.leverage)] = (leverageShares[String(a.leverage)] ?? 0) + a.notional / total;
  const top = (xs: number[], k: number) => (xs.length ? sum(xs.slice(0, k)) / sum(xs) : 0);
  return { openInterest: { long: sum(l), short: sum(s) }, top1: { long: top(l, 1), short: top(s, 1) }, top10: { long: top(l, 10), short: top(s, 10) }, leverageShares };
}
