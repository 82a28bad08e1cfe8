/**
 * The gas market a run's transactions pay into, per venue and era.
 *
 * `l1` (Ethereum mainnet): the base fee is the era's level times (σ/σ̄)^β, where σ is the
 * trailing realised volatility of the run's own prices (daily-scaled), σ̄ the calm volatility of
 * the month before the run, and β the elasticity fitted on the real daily gas of DeFi-era crash
 * days (calibration/gas-calibration.ts: 2020-03-12 is one of them), times a mean-one log-normal
 * noise with an hour's memory; the level and σ̄ come from ../shared/data/gas and the hourly
 * candles when the run falls in their span. Priority fees decide the order of a block.
 * `l2` (a rollup or sidechain): a flat L2 base fee plus each transaction's L1 data, ordered by
 * priority fee (OP-stack) or first come, first served (Arbitrum's sequencer).
 *
 * Deterministic: the noise is drawn on a fixed time grid from the run's seed, so the fee at a
 * time does not depend on which blocks ran before it.
 */
import type { CandleSeries } from '../../data/candle-series.ts';
import { Rng, seedFrom } from '../../data/prng.ts';

export type GasOrdering = 'priority-fee' | 'first-come';

export interface GasParams {
  readonly profile: 'l1' | 'l2';
  /** l1: the era's level (gwei); l2: the L2 base fee (gwei). */
  readonly baseFeeGwei: number;
  /** l1: elasticity of the base fee to volatility. */
  readonly volatilityElasticity: number;
  /** l1: the calm daily volatility σ̄ (log-return sd per day) the elasticity is measured against. */
  readonly calmVolatility: number;
  /** l1: seconds of prices the realised volatility is measured over. */
  readonly volatilityWindow: number;
  /** l1: stationary sd of the base fee's log noise, and its memory (s). */
  readonly noise: number;
  readonly noiseMemory: number;
  /** l2: L1 gas that each transaction's data costs, at `l1BaseFeeGwei`. */
  readonly l1DataGas: number;
  readonly l1BaseFeeGwei: number;
  readonly ordering: GasOrdering;
  /** Gas units per action kind. */
  readonly units: Readonly<Record<string, number>>;
  /** Share of the units a reverted transaction burns. */
  readonly revertShare: number;
}

/** Gas units per operation; `routerRevert` is an agent's router refusing a limited order before it calls the clearing house. */
export const GAS_UNITS: Readonly<Record<string, number>> = {
  open: 320_000,
  close: 260_000,
  liquidate: 380_000,
  settleFunding: 140_000,
  deposit: 90_000,
  withdraw: 110_000,
  addMargin: 100_000,
  removeMargin: 130_000,
  routerRevert: 60_000,
  /** An ERC-20 transfer of the collateral token (a treasury sending collateral to its venue). */
  transfer: 50_000,
};

/**
 * The elasticity of the L1 base fee to volatility, fitted by `vamm calibrate gas` (1.045, RMS log error 0.35, with a one-hour volatility window) on the 26
 * DeFi-era crash days (a daily log return below −10 %, 2020-01-01 → 2022-09-19) of the real
 * daily gas; test/gas-process.test.ts refits it and fails when this differs.
 */
export const L1_VOLATILITY_ELASTICITY = 1.05;

/** The default: an L2 at 0.05 gwei ordered by priority fee (what every run paid before gas had a process). */
export const DEFAULT_GAS: GasParams = {
  profile: 'l2',
  baseFeeGwei: 0.05,
  volatilityElasticity: L1_VOLATILITY_ELASTICITY,
  calmVolatility: 0.04,
  volatilityWindow: 3600,
  noise: 0.25,
  noiseMemory: 3600,
  l1DataGas: 0,
  l1BaseFeeGwei: 0,
  ordering: 'priority-fee',
  units: GAS_UNITS,
  revertShare: 0.4,
};

/** The base fee is held within these multiples of the level (a fee market's own floor and the congestion a day has reached). */
const MIN_MULTIPLE = 0.25;
const MAX_MULTIPLE = 40;
const NOISE_STEP = 60;

export class GasProcess {
  /** Prefix sums of squared close-to-close log returns, and the candles' close times. */
  private readonly closeTime: Float64Array;
  private readonly cumVariance: Float64Array;
  private readonly rng: Rng;
  private readonly noise: number[] = [];
  private readonly phi: number;
  /** Whether the close times ascend (always, from a candle series): then the last fee can be reused. */
  private readonly ascending: boolean;
  /**
   * The last base fee and what it was computed from: the indices of the last close at or before
   * t and before t − window, and t's noise step. The fee is a step function of t: a block
   * with the same three gets the same fee, found without the binary searches, the power and the
   * exponential (most blocks follow one another within a minute). Rewritten in place, not
   * replaced by an object per new fee; the fee starts as a double, NaN.
   */
  private readonly last = { fee: Number.NaN, end: 0, start: 0, step: Number.NaN };

  constructor(
    readonly params: GasParams,
    candles: CandleSeries | null,
    seed: number,
  ) {
    const n = candles?.time.length ?? 0;
    this.closeTime = new Float64Array(n);
    this.cumVariance = new Float64Array(n);
    let prev = Number.NaN;
    let cum = 0;
    for (let i = 0; i < n; i++) {
      const c = candles as CandleSeries;
      const close = Number(c.close[i] as bigint);
      if (!Number.isNaN(prev) && prev > 0 && close > 0) cum += Math.log(close / prev) ** 2;
      prev = close;
      this.closeTime[i] = (c.time[i] as number) + c.resolution;
      this.cumVariance[i] = cum;
    }
    let ascending = true;
    for (let i = 1; i < n; i++) if (!((this.closeTime[i - 1] as number) <= (this.closeTime[i] as number))) ascending = false;
    this.ascending = ascending;
    this.rng = new Rng(seedFrom(`${seed}/gas`));
    this.phi = Math.exp(-NOISE_STEP / params.noiseMemory);
  }

  /** Daily-scaled realised volatility over the window ending at `t` (NaN before two closes). */
  volatility(t: number): number {
    return this.volatilityOver(upperBound(this.closeTime, t) - 1, upperBound(this.closeTime, t - this.params.volatilityWindow) - 1);
  }

  /** The volatility between the last close at or before the window's start (`before`, −1: none) and the last at or before its end (`end`). */
  private volatilityOver(end: number, before: number): number {
    if (end < 1) return Number.NaN;
    const start = Math.max(0, before);
    const span = (this.closeTime[end] as number) - (this.closeTime[start] as number);
    if (span <= 0) return Number.NaN;
    return Math.sqrt((((this.cumVariance[end] as number) - (this.cumVariance[start] as number)) * 86400) / span);
  }

  /** The base fee (gwei) of a block at `t`. */
  baseFee(t: number): number {
    const p = this.params;
    if (p.profile === 'l2') return p.baseFeeGwei;
    const from = t - p.volatilityWindow;
    const step = Math.floor(t / NOISE_STEP);
    const last = this.last;
    if (step === last.step && this.ascending && this.lastCloseIs(last.end, t) && this.lastCloseIs(last.start, from)) return last.fee;
    const end = upperBound(this.closeTime, t) - 1;
    const start = upperBound(this.closeTime, from) - 1;
    const sigma = this.volatilityOver(end, start);
    const ratio = Number.isNaN(sigma) || p.calmVolatility <= 0 ? 1 : sigma / p.calmVolatility;
    const multiple = Math.min(MAX_MULTIPLE, Math.max(MIN_MULTIPLE, ratio ** p.volatilityElasticity));
    const fee = p.baseFeeGwei * multiple * Math.exp(this.noiseAt(t) - (p.noise * p.noise) / 2);
    last.fee = fee;
    last.end = end;
    last.start = start;
    last.step = step;
    return fee;
  }

  /** Whether `i` is the last close at or before `x` (−1: none is), as `upperBound` would find it in ascending closes. */
  private lastCloseIs(i: number, x: number): boolean {
    const c = this.closeTime;
    return (i < 0 || (c[i] as number) <= x) && (i + 1 >= c.length || x < (c[i + 1] as number));
  }

  /** What a transaction costs: units × (base + priority fee) × ETH/USD, plus an L2's L1 data. */
  cost(kind: string, ok: boolean, baseFee: number, priorityFee: number, ethUsd: number): { used: number; usd: number } {
    const p = this.params;
    const full = p.units[kind] ?? 200_000;
    // A router revert's units are already what it burns.
    const used = ok || kind === 'routerRevert' ? full : Math.round(full * p.revertShare);
    const l1Data = p.profile === 'l2' ? p.l1DataGas * p.l1BaseFeeGwei : 0;
    return { used, usd: ((used * (baseFee + priorityFee) + l1Data) * ethUsd) / 1e9 };
  }

  /** AR(1) log noise on a fixed grid (from the process's start), drawn in time order and kept. */
  private noiseAt(t: number): number {
    const p = this.params;
    if (p.noise <= 0) return 0;
    const k = Math.max(0, Math.floor(t / NOISE_STEP) - Math.floor((this.closeTime[0] ?? t) / NOISE_STEP));
    const innovation = p.noise * Math.sqrt(1 - this.phi * this.phi);
    while (this.noise.length <= k) {
      const last = this.noise.length === 0 ? p.noise * this.rng.normal() : (this.noise.at(-1) as number);
      this.noise.push(this.noise.length === 0 ? last : this.phi * last + innovation * this.rng.normal());
    }
    return this.noise[k] as number;
  }
}

/** First index whose value is > x. */
function upperBound(xs: Float64Array, x: number): number {
  let lo = 0;
  let hi = xs.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((xs[mid] as number) <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
