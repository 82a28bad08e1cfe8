/**
 * Generators: the PRNG is the reference xoshiro128** and reproducible; the fits recover known
 * parameters; each generator fitted on 2020–2023 hourly ETH is within the stated tolerances of
 * the history on the facts it claims, and the controls fail where they must (plain GBM has no
 * fat tails, i.i.d. models no clustering). Crash replays keep every return exactly.
 */
import { join } from 'node:path';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadCandles } from '../data/candle-loader.ts';
import { ALL_FACTS, checkFact, checkFacts } from '../data/fact-check.ts';
import { fitGarchParams } from '../data/generators/garch.ts';
import { fitMertonParams } from '../data/generators/merton.ts';
import { drawReturns, toPricePath } from '../data/generators/paths.ts';
import { GENERATOR_NAMES, fitGenerator } from '../data/generators/registry.ts';
import { replayWindow } from '../data/generators/replay.ts';
import { generatorFacts } from '../data/generator-facts.ts';
import { HOURLY_HISTORY, loadHistory } from '../data/history.ts';
import { Rng, seedFrom } from '../data/prng.ts';
import { logReturns } from '../data/returns.ts';
import { findDataDir } from '../data/shared-dir.ts';
import { type StylisedFacts, stylisedFacts, worstDrawdown } from '../data/stylized-facts.ts';
import { toWei } from '../sim/math/units.ts';

const DATA = findDataDir();

describe('PRNG', () => {
  it('is the reference xoshiro128** (outputs from state 1,2,3,4 worked by hand from the reference code)', () => {
    const rng = Rng.fromState(1, 2, 3, 4);
    expect([rng.nextUint32(), rng.nextUint32(), rng.nextUint32()]).toEqual([11520, 0, 5927040]);
  });

  it('is the reference on unsigned words, from any state, and its normals pair as Box–Muller does', () => {
    // The reference code's step on unsigned 32-bit words, as first written.
    const rotl = (x: number, k: number) => ((x << k) | (x >>> (32 - k))) >>> 0;
    const reference = (state: number[]) => () => {
      const [s0, s1, s2, s3] = state as [number, number, number, number];
      const result = Math.imul(rotl(Math.imul(s1, 5) >>> 0, 7), 9) >>> 0;
      const t = (s1 << 9) >>> 0;
      const a2 = (s2 ^ s0) >>> 0;
      const a3 = (s3 ^ s1) >>> 0;
      state.splice(0, 4, (s0 ^ a3) >>> 0, (s1 ^ a2) >>> 0, (a2 ^ t) >>> 0, rotl(a3, 11));
      return result;
    };
    const word = fc.integer({ min: 0, max: 0xffffffff });
    fc.assert(
      fc.property(fc.tuple(word, word, word, word).filter((s) => s.some((x) => x !== 0)), (s) => {
        const rng = Rng.fromState(...s);
        const next = reference([...s]);
        for (let i = 0; i < 64; i++) expect(rng.nextUint32()).toBe(next());
        // A normal's pair: the cosine now, the sine at the next call, from two fresh uniforms each pair.
        const u = (hi: number, lo: number) => ((hi >>> 5) * 67108864 + (lo >>> 6)) / 9007199254740992;
        for (let i = 0; i < 4; i++) {
          let uu = 0;
          while (uu === 0) uu = u(next(), next());
          const v = u(next(), next());
          const r = Math.sqrt(-2 * Math.log(uu));
          expect(rng.normal()).toBe(r * Math.cos(2 * Math.PI * v));
          expect(rng.normal()).toBe(r * Math.sin(2 * Math.PI * v));
        }
      }),
      { numRuns: 500 },
    );
  });

  it('a seed gives the same stream every time; different seeds differ', () => {
    const a = new Rng(42);
    const b = new Rng(42);
    const xs = Array.from({ length: 1000 }, () => a.nextUint32());
    expect(Array.from({ length: 1000 }, () => b.nextUint32())).toEqual(xs);
    expect(new Rng(43).nextUint32()).not.toBe(xs[0]);
    expect(seedFrom('black-thursday')).toBe(seedFrom('black-thursday'));
    expect(seedFrom('a')).not.toBe(seedFrom('b'));
  });

  it('path i is the same however many paths are drawn', () => {
    const gen = { name: 'u', description: '', resolution: 1, reproduces: [], params: {}, generate: (rng: Rng, n: number) => Float64Array.from({ length: n }, () => rng.next()) };
    const few = drawReturns(gen, { paths: 3, steps: 5, seed: 9 });
    const many = drawReturns(gen, { paths: 10, steps: 5, seed: 9 });
    expect(many.slice(0, 3)).toEqual(few);
    expect(many[3]).not.toEqual(many[4]);
  });

  it('uniforms in [0, 1), normals with mean 0 and variance 1, Poisson with mean λ (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 32 - 1 }), (seed) => {
        const rng = new Rng(seed);
        let s = 0;
        let s2 = 0;
        let p = 0;
        const n = 4000;
        for (let i = 0; i < n; i++) {
          const u = rng.next();
          expect(u).toBeGreaterThanOrEqual(0);
          expect(u).toBeLessThan(1);
          const z = rng.normal();
          s += z;
          s2 += z * z;
          p += rng.poisson(0.5);
        }
        expect(Math.abs(s / n)).toBeLessThan(0.08);
        expect(Math.abs(s2 / n - 1)).toBeLessThan(0.12);
        expect(Math.abs(p / n - 0.5)).toBeLessThan(0.06);
      }),
      { numRuns: 20 },
    );
  });
});

describe('stylised facts', () => {
  it('worst drawdown equals the brute-force peak-to-trough over windows (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: -0.2, max: 0.2, noNaN: true }), { minLength: 1, maxLength: 80 }), fc.integer({ min: 1, max: 10 }), (rs, k) => {
        const r = Float64Array.from(rs);
        const c = [0];
        for (const x of r) c.push((c[c.length - 1] as number) + x);
        let worst = 0;
        for (let s = 1; s < c.length; s++) for (let u = Math.max(0, s - k); u < s; u++) worst = Math.min(worst, (c[s] as number) - (c[u] as number));
        expect(worstDrawdown(r, k)).toBeCloseTo(Math.expm1(worst), 12);
      }),
    );
  });

  it('i.i.d. normal returns: no excess kurtosis, no clustering', () => {
    const rng = new Rng(1);
    const r = Float64Array.from({ length: 50_000 }, () => 0.01 * rng.normal());
    const f = stylisedFacts([r], 3600);
    expect(Math.abs(f.excessKurtosis)).toBeLessThan(0.15);
    expect(Math.max(...f.acfAbs.map(Math.abs))).toBeLessThan(0.03);
    expect(f.volatility).toBeCloseTo(0.01, 3);
    expect(f.q01).toBeCloseTo(-0.0233, 3);
  });
});

describe('fits recover known parameters', () => {
  it('GARCH(1,1) QML on a simulated GARCH path', () => {
    const rng = new Rng(5);
    const [omega, alpha, beta] = [2e-6, 0.08, 0.9];
    const r = new Float64Array(20_000);
    let v = omega / (1 - alpha - beta);
    let e = 0;
    for (let t = -200; t < r.length; t++) {
      v = omega + alpha * e * e + beta * v;
      e = Math.sqrt(v) * rng.normal();
      if (t >= 0) r[t] = e;
    }
    const p = fitGarchParams(r);
    expect(p.alpha).toBeGreaterThan(0.06);
    expect(p.alpha).toBeLessThan(0.1);
    expect(p.alpha + p.beta).toBeGreaterThan(0.965);
    expect(p.alpha + p.beta).toBeLessThan(0.99);
  });

  it('Merton threshold fit on a simulated jump diffusion', () => {
    const rng = new Rng(6);
    const r = Float64Array.from({ length: 50_000 }, () => {
      let x = 0.005 * rng.normal();
      for (let j = rng.poisson(0.01); j > 0; j--) x += -0.01 + 0.05 * rng.normal();
      return x;
    });
    const p = fitMertonParams(r);
    expect(p.sigma).toBeCloseTo(0.005, 3);
    expect(p.lambda).toBeGreaterThan(0.006);
    expect(p.lambda).toBeLessThan(0.012);
    expect(p.sigmaJ).toBeGreaterThan(0.04);
  });
});

describe('generators against the 2020–2023 hourly history', () => {
  let hist: StylisedFacts;
  let returns: Float64Array;
  const facts = new Map<string, { reproduces: readonly string[]; facts: StylisedFacts }>();

  beforeAll(async () => {
    const h = await loadHistory(join(DATA, HOURLY_HISTORY));
    returns = h.returns;
    hist = stylisedFacts([returns], h.resolution);
    for (const name of GENERATOR_NAMES) {
      const gen = fitGenerator(name, returns, h.resolution);
      // Fewer replicates than the CLI (8) to keep the suite quick; each is as long as the history.
      const f = generatorFacts(gen, { replicates: 4, paths: 16, steps: Math.floor(returns.length / 16), seed: 2024 });
      facts.set(name, { reproduces: gen.reproduces, facts: f.facts });
    }
  });

  it('the history is what SOURCES.md describes: fat-tailed and clustered', () => {
    expect(returns.length).toBeGreaterThan(35_000);
    expect(hist.excessKurtosis).toBeGreaterThan(10);
    expect(hist.acfAbs[0]).toBeGreaterThan(0.2);
    expect(hist.worstDrawdown1h).toBeLessThan(-0.15); // Black Thursday
  });

  for (const name of GENERATOR_NAMES) {
    it(`${name}: within tolerance on every fact it claims`, () => {
      const g = facts.get(name)!;
      expect(g.reproduces.length).toBeGreaterThan(0);
      const verdicts = checkFacts(g.reproduces as never, hist, g.facts);
      for (const v of verdicts) expect(v.pass, v.detail).toBe(true);
    });
  }

  it('the bootstrap passes the kurtosis check; plain GBM fails it', () => {
    expect(checkFact('excessKurtosis', hist, facts.get('bootstrap')!.facts).pass).toBe(true);
    expect(checkFact('excessKurtosis', hist, facts.get('gbm')!.facts).pass).toBe(false);
  });

  it('i.i.d. models (GBM, Merton) fail the clustering check; GARCH and the bootstrap pass it', () => {
    for (const iid of ['gbm', 'merton']) expect(checkFact('acfAbs', hist, facts.get(iid)!.facts).pass).toBe(false);
    for (const clustered of ['garch', 'bootstrap']) expect(checkFact('acfAbs', hist, facts.get(clustered)!.facts).pass).toBe(true);
  });

  it('plain GBM fails every fact except volatility', () => {
    const v = checkFacts(ALL_FACTS, hist, facts.get('gbm')!.facts);
    expect(v.filter((x) => x.pass).map((x) => x.fact)).toEqual(['volatility']);
  });
});

describe('paths in wei', () => {
  it('same seed, same wei path; prices have at most 8 decimals', async () => {
    const h = await loadHistory(join(DATA, HOURLY_HISTORY), { from: Date.UTC(2022, 0, 1) / 1000, to: Date.UTC(2022, 6, 1) / 1000 });
    const gen = fitGenerator('merton', h.returns, h.resolution);
    const draw = () => drawReturns(gen, { paths: 2, steps: 24 * 7, seed: 77 }).map((r) => toPricePath(toWei('1800'), r, 3600, 1_700_000_000));
    const [a, b] = [draw(), draw()];
    expect(a).toEqual(b);
    for (const p of a) {
      expect(p.price[0]).toBe(toWei('1800'));
      expect(p.time[1]).toBe(1_700_003_600);
      for (const x of p.price) {
        expect(x % 10n ** 10n).toBe(0n);
        expect(x).toBeGreaterThan(0n);
      }
    }
  });
});

describe('crash replay', () => {
  it('rescales a window to any start price exactly and keeps its returns and facts', async () => {
    const w = await loadCandles(join(DATA, 'windows', 'w1_black_thursday_2020-03-09_2020-03-16_binance_spot_5m.csv'), { gapPolicy: 'refuse' });
    await fc.assert(
      fc.asyncProperty(fc.bigInt({ min: 10n ** 15n, max: 10n ** 24n }), async (start) => {
        const path = replayWindow(w, start, 1_800_000_000);
        expect(path.price[0]).toBe(start);
        expect(path.time[0]).toBe(1_800_000_000);
        expect(path.price).toHaveLength(w.time.length + 1);
        const i = w.time.length - 1;
        expect(path.price[i + 1]).toBe(((w.close[i] as bigint) * start) / (w.open[0] as bigint));
      }),
      { numRuns: 50 },
    );
    const path = replayWindow(w, toWei('3000'));
    const replayed = new Float64Array(path.price.length - 2);
    for (let k = 2; k < path.price.length; k++) replayed[k - 2] = Math.log(Number(path.price[k]) / Number(path.price[k - 1]));
    const original = logReturns(w);
    expect(replayed.length).toBe(original.length);
    for (let k = 0; k < original.length; k++) expect(replayed[k]).toBeCloseTo(original[k] as number, 9);
    const fa = stylisedFacts([replayed], 300);
    const fb = stylisedFacts([original], 300);
    expect(fa.worstDrawdown24h).toBeCloseTo(fb.worstDrawdown24h, 8);
    expect(fa.excessKurtosis).toBeCloseTo(fb.excessKurtosis, 4);
  });
});
