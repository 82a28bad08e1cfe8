/**
 * Tail statistics on distributions with known answers: the generalised Pareto fit recovers the
 * shape and the far quantiles of a GPD and of a Student-t tail; weighted VaR/ES agree with the
 * exact ones; and a stratified design gives the same tail probability as plain sampling (both
 * against the truth), with a tighter interval for the same number of samples.
 */
import { describe, expect, it } from 'vitest';
import { Rng } from '../data/prng.ts';
import { boundFloor, exceedance, fitGpd, gpdES, gpdVaR, plainSamples, runsToBound, stratifiedBootstrap, stratifiedSamples, thresholdStability, weightedES, weightedVaR } from '../scenarios/studies/tail.ts';

const gpdQuantile = (shape: number, scale: number, p: number) => (scale / shape) * ((1 - p) ** -shape - 1);

describe('peaks over threshold', () => {
  it('recovers a GPD: shape, scale and the 99.99 % quantile, inside the bootstrap interval', () => {
    const rng = new Rng(7);
    const [shape, scale] = [0.25, 1000];
    const xs = Array.from({ length: 20_000 }, () => gpdQuantile(shape, scale, rng.next()));
    const samples = plainSamples(xs);
    const u = weightedVaR(samples, 0.05);
    const fit = fitGpd(samples, u);
    expect(fit.exceedProbability).toBeCloseTo(0.05, 3);
    // Excesses of a GPD over u are GPD with the same shape and scale σ + ξu.
    expect(Math.abs(fit.shape - shape)).toBeLessThan(0.1);
    expect(fit.scale / (scale + shape * u)).toBeGreaterThan(0.85);
    expect(fit.scale / (scale + shape * u)).toBeLessThan(1.15);
    const truth = gpdQuantile(shape, scale, 0.9999);
    const estimate = gpdVaR(fit, 1e-4);
    expect(Math.abs(estimate / truth - 1)).toBeLessThan(0.25);
    const ci = stratifiedBootstrap(samples, (s) => gpdVaR(fitGpd(s, u), 1e-4), rng, 100);
    expect(ci.low!).toBeLessThan(truth);
    expect(ci.high!).toBeGreaterThan(truth);
    // ES of a GPD beyond its p-quantile: (q + σ) / (1 − ξ) from 0.
    const esTruth = (truth + scale) / (1 - shape);
    expect(Math.abs(gpdES(fit, 1e-4) / esTruth - 1)).toBeLessThan(0.3);
  });

  it('finds the Student-t(3) tail index (shape 1/3) and a shape that is stable across thresholds', () => {
    const rng = new Rng(11);
    const xs = Array.from({ length: 40_000 }, () => Math.abs(rng.studentT(3)));
    const samples = plainSamples(xs);
    const table = thresholdStability(samples, [0.05, 0.02, 0.01]);
    for (const row of table) expect(Math.abs((row.shape as number) - 1 / 3)).toBeLessThan(0.15);
    // A light tail is not mistaken for a heavy one: an exponential has shape ≈ 0.
    const exp = plainSamples(Array.from({ length: 20_000 }, () => -Math.log(1 - rng.next())));
    expect(Math.abs(fitGpd(exp, weightedVaR(exp, 0.05)).shape)).toBeLessThan(0.08);
  });

  it('refuses a fit on too few excesses', () => {
    expect(() => fitGpd(plainSamples([1, 2, 3, 4, 5]), 1)).toThrow(/only 4 samples exceed 1/);
  });
});

describe('weighted VaR, ES and exceedance', () => {
  it('match the empirical ones under plain sampling', () => {
    const s = plainSamples(Array.from({ length: 1000 }, (_, i) => i + 1));
    expect(weightedVaR(s, 0.01)).toBe(990);
    expect(weightedVaR(s, 0.001)).toBe(999);
    expect(weightedES(s, 0.01)).toBeCloseTo(995.5, 9);
    expect(exceedance(s, 990).estimate).toBeCloseTo(0.01, 12);
    expect(weightedVaR(plainSamples([0, 0, 0, 5]), 0.2)).toBe(5);
    expect(weightedVaR(plainSamples([0, 0, 0, 5]), 0.25)).toBe(0);
  });

  it('a stratified design agrees with plain sampling and with the truth, and reaches the 99.99 % VaR', () => {
    // X = GPD quantile of U: strata on U of probability .9 / .09 / .009 / .001, 500 samples each.
    const [shape, scale] = [0.3, 100];
    const x = (u: number) => gpdQuantile(shape, scale, u);
    const rng = new Rng(3);
    const bounds = [0, 0.9, 0.99, 0.999, 1];
    const strata = bounds.slice(0, -1).map((lo, h) => {
      const hi = bounds[h + 1] as number;
      return { weight: hi - lo, xs: Array.from({ length: 500 }, () => x(lo + (hi - lo) * rng.next())) };
    });
    const stratified = stratifiedSamples(strata);
    const plain = plainSamples(Array.from({ length: 2000 }, () => x(rng.next())));
    const level = x(0.998);
    const truth = 0.002;
    const ps = exceedance(stratified, level);
    const pp = exceedance(plain, level);
    expect(ps.low!).toBeLessThan(truth);
    expect(ps.high!).toBeGreaterThan(truth);
    expect(pp.low!).toBeLessThan(truth);
    expect(pp.high!).toBeGreaterThan(truth);
    // Its estimate is close (the strata that hold the level are sampled 500 times each), but its
    // interval is no sharper than plain sampling's: the bulk's 500 runs without an exceedance bound
    // the bulk's share less tightly than plain sampling's 1,800 bulk draws do.
    expect(Math.abs(ps.estimate / truth - 1)).toBeLessThan(0.25);
    // And its VaR at 99.99 % is near the truth, where 2,000 plain samples cannot reach.
    expect(Math.abs(weightedVaR(stratified, 1e-4) / x(0.9999) - 1)).toBeLessThan(0.15);
    expect(() => stratifiedSamples([{ weight: 0.5, xs: [] }])).toThrow(/no samples/);
  });

  it('a stratum whose few runs all fall on one side still carries its uncertainty into the interval', () => {
    // The insurance pilot's bulk stratum: 3 runs (mass 0.9), none with a drawdown; the tail strata all with one.
    const samples = stratifiedSamples([
      { weight: 0.9, xs: [0, 0, 0] },
      { weight: 0.1, xs: [5, 7, 9] },
    ]);
    const p = exceedance(samples, 0);
    expect(p.estimate).toBeCloseTo(0.1, 12);
    // 0 of 3 is no proof that the bulk never draws down: the interval reaches well past the tail's 0.1.
    expect(p.high!).toBeGreaterThan(0.3);
    expect(p.low!).toBe(0);
  });

  it('the smallest P a design can bound: a bulk without hits leaves its own rate unknown', () => {
    const design = (bulkRuns: number) =>
      stratifiedSamples([
        { weight: 0.9, xs: Array.from({ length: bulkRuns }, () => 0) },
        { weight: 0.1, xs: Array.from({ length: 150 }, (_, i) => i) },
      ]);
    const floor150 = boundFloor(design(150));
    // The study's 150 bulk runs cannot show any fund's P below ~1.6 %, however large the fund.
    expect(floor150).toBe(exceedance(design(150), 1e12).high);
    expect(floor150).toBeGreaterThan(0.015);
    expect(floor150).toBeLessThan(0.02);
    expect(boundFloor(design(1500))).toBeLessThan(floor150 / 5);
    // Plain sampling: Wilson's bound with no hit, about z²/n.
    expect(boundFloor(plainSamples(Array.from({ length: 1000 }, () => 0)))).toBeCloseTo(3.8415 / (1000 + 3.8415), 4);
  });

  it('runsToBound: the bulk runs without a hit whose share of the bound first meets the target', () => {
    for (const [weight, target] of [[0.9, 0.01], [0.9, 1e-4], [0.5, 0.001], [0.99, 0.05]] as const) {
      const n = runsToBound(weight, target);
      // The bulk alone (a second stratum of negligible mass beside it, so the stratified interval applies).
      const high = (runs: number) => exceedance(stratifiedSamples([{ weight, xs: Array.from({ length: runs }, () => 0) }, { weight: 1e-15, xs: [0] }]), 1).high as number;
      expect(high(n)).toBeLessThanOrEqual(target + 1e-12);
      expect(high(n - 1)).toBeGreaterThan(target);
    }
    // About z² · W / (√2 · target): 24,000 runs for 0.01 % at a 90 % bulk.
    expect(runsToBound(0.9, 1e-4)).toBeGreaterThan(20_000);
  });

  it('a bulk that happened to draw no hit does not vouch for a fund its unrun paths exceed', () => {
    // Truth: the bulk (90 %) holds a rare catastrophic path (1.5 % of its paths, at 30); the tail
    // stratum (10 %) is uniform on [0, 20). P(X > 18) = 0.9 · 0.015 + 0.1 · 0.1 = 2.35 %.
    const truth = (x: number) => (x < 30 ? 0.9 * 0.015 : 0) + 0.1 * Math.max(0, Math.min(1, (20 - x) / 20));
    const target = 0.01;
    const rng = new Rng(20261207);
    let covered = 0;
    let blind = 0;
    let blindCovered = 0;
    const designs = 400;
    for (let d = 0; d < designs; d++) {
      const bulk = Array.from({ length: 150 }, () => (rng.next() < 0.015 ? 30 : 0));
      const samples = stratifiedSamples([
        { weight: 0.9, xs: bulk },
        { weight: 0.1, xs: Array.from({ length: 150 }, () => 20 * rng.next()) },
      ]);
      const fund = weightedVaR(samples, target);
      const p = exceedance(samples, fund);
      if ((p.high as number) >= truth(fund)) covered++;
      if (!bulk.includes(30)) {
        blind++;
        // The fund sits near 18, where the truth is 2.35 %: the runs must not claim 1 %, and the
        // bound should still cover the truth (with the bulk's observed 0 of 150 it stopped at ~1.5 %).
        expect(truth(fund)).toBeGreaterThan(target);
        expect(p.high as number).toBeGreaterThan(target);
        if ((p.high as number) >= truth(fund)) blindCovered++;
      }
    }
    // (1 − 0.015)^150 ≈ 10 % of designs see no bulk hit.
    expect(blind).toBeGreaterThan(20);
    // 24 of the 32 blind designs covered and 392 of 400 in all (0 and 366 with the observed 0 of 150).
    expect(blindCovered / blind).toBeGreaterThan(0.6);
    expect(covered / designs).toBeGreaterThan(0.95);
  });
});
