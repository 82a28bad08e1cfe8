/**
 * Seeded, reproducible randomness for the path generators: xoshiro128** (Blackman & Vigna,
 * 2018; reference at prng.di.unimi.it) on 32-bit integer arithmetic, seeded by splitmix32. The
 * integer stream is identical on every platform and Node version (only Math.imul, shifts and
 * xors). Floats derived from it (uniforms from 53 bits, normals by Box–Muller) use Math.log,
 * Math.sqrt and Math.cos, which V8 computes with its own fdlibm port, so they too are the same
 * on every platform for a given Node major.
 *
 * Each path gets its own stream, `forPath(seed, i)`, so path i is the same however many paths
 * are drawn and in whatever order (or thread).
 */

/** splitmix32: spreads a 32-bit seed over the state (Vigna's recommended seeding). */
export function splitmix32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
}

/** A 32-bit seed from text (FNV-1a), so seeds can be words. */
export function seedFrom(text: string | number): number {
  if (typeof text === 'number') return text >>> 0;
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

export class Rng {
  /**
   * The state as signed 32-bit integers: the same bits as the reference's unsigned words, and
   * only the output converted (`>>> 0`). Kept unsigned, every word past 2³¹ was a heap number
   * written back at each step: a draw cost ~3× as long.
   */
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;
  /** Box–Muller's second normal, NaN when none is waiting (a number field, never undefined). */
  private spare = Number.NaN;

  /** From the raw 128-bit state (not all zero), as in the reference code. */
  static fromState(a: number, b: number, c: number, d: number): Rng {
    return new Rng([a, b, c, d]);
  }

  constructor(seed: number | readonly [number, number, number, number]) {
    const s = typeof seed === 'number' ? Array.from({ length: 4 }, splitmix32(seed)) : [...seed];
    if (s.every((x) => x === 0)) throw new RangeError('xoshiro128** state must not be all zero');
    [this.s0, this.s1, this.s2, this.s3] = s.map((x) => x | 0) as [number, number, number, number];
  }

  /** The next 32-bit output of xoshiro128**. */
  nextUint32(): number {
    const s0 = this.s0;
    const s1 = this.s1;
    const x = Math.imul(s1, 5);
    const result = Math.imul((x << 7) | (x >>> 25), 9) >>> 0;
    const t = s1 << 9;
    const s2 = this.s2 ^ s0;
    const s3 = this.s3 ^ s1;
    this.s1 = s1 ^ s2;
    this.s0 = s0 ^ s3;
    this.s2 = s2 ^ t;
    this.s3 = (s3 << 11) | (s3 >>> 21);
    return result;
  }

  /** Uniform in [0, 1) with 53 random bits. */
  next(): number {
    const hi = this.nextUint32() >>> 5; // 27 bits
    const lo = this.nextUint32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Standard normal (Box–Muller, both values used). */
  normal(): number {
    if (!Number.isNaN(this.spare)) {
      const z = this.spare;
      this.spare = Number.NaN;
      return z;
    }
    let u = 0;
    while (u === 0) u = this.next();
    const v = this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  /** Poisson(λ) by Knuth's product method (λ per step is small here). */
  poisson(lambda: number): number {
    if (lambda <= 0) return 0;
    const limit = Math.exp(-lambda);
    let k = 0;
    let p = this.next();
    while (p > limit) {
      k++;
      p *= this.next();
    }
    return k;
  }

  /** Student-t with ν degrees of freedom, scaled to unit variance (ν > 2). */
  studentT(nu: number): number {
    // t = Z / sqrt(χ²_ν / ν); χ²_ν as a sum of squares for integer ν, else via gamma.
    const z = this.normal();
    const chi2 = 2 * this.gamma(nu / 2);
    return (z / Math.sqrt(chi2 / nu)) * Math.sqrt((nu - 2) / nu);
  }

  /** Gamma(shape, 1) by Marsaglia & Tsang (2000). */
  gamma(shape: number): number {
    if (shape < 1) return this.gamma(shape + 1) * this.next() ** (1 / shape);
    const d = shape - 1 / 3;
    const c = 1 / Math.sqrt(9 * d);
    for (;;) {
      let x: number;
      let v: number;
      do {
        x = this.normal();
        v = 1 + c * x;
      } while (v <= 0);
      v = v * v * v;
      const u = this.next();
      if (u < 1 - 0.0331 * x * x * x * x || Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v;
    }
  }
}

/** The stream of path `index` under `seed`: independent of how many paths are drawn. */
export function forPath(seed: number, index: number): Rng {
  const mix = splitmix32(seed ^ Math.imul(index + 1, 0x9e3779b1));
  return new Rng([mix(), mix(), mix(), mix()]);
}
