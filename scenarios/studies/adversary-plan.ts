/**
 * The adversary's search space: a point of the unit box [0, 1]^n ↔ the parameters of a
 * `plan-manipulator` (agents/plan-manipulator.ts) on a market of a given depth and a window of a
 * given length. The side of the hold (short, long, or following the premium) is not a
 * coordinate: the optimiser starts once per side, the study's multi-start.
 *
 * Sizes are shares of the vAMM's depth on a log scale (10⁻⁴ to ~0.2 of it), so one box serves a
 * 2M and a 50M market; the capital the attacker brings bounds what it can actually put on.
 */
import type { Json } from '../../sim/state-view.ts';

export type PlanSide = 'short' | 'long' | 'follow';
export const PLAN_SIDES: readonly PlanSide[] = ['short', 'long', 'follow'];

export const PLAN_COORDINATES = ['hold', 'pushMultiple', 'pushEvery', 'pushShare', 'pushGap', 'slice', 'interval', 'bandShare', 'buildStart', 'unwindStart', 'switchThreshold'] as const;
export const PLAN_DIMENSION = PLAN_COORDINATES.length;

const logScale = (u: number, lo: number, hi: number) => lo * (hi / lo) ** u;

export interface PlanContext {
  /** The vAMM's quote reserve (USD). */
  readonly depth: number;
  /** The window's length (s). */
  readonly seconds: number;
  /** Seconds between funding settlements. */
  readonly fundingPeriod: number;
  readonly leverage: number;
}

/** The plan-manipulator parameters of a point of the box. */
export function decodePlan(x: ArrayLike<number>, side: PlanSide, c: PlanContext): Record<string, Json> {
  if (x.length !== PLAN_DIMENSION) throw new RangeError(`a plan has ${PLAN_DIMENSION} coordinates, got ${x.length}`);
  const u = (name: (typeof PLAN_COORDINATES)[number]) => Math.min(1, Math.max(0, x[PLAN_COORDINATES.indexOf(name)] as number));
  const round = (v: number, digits = 2) => Number(v.toFixed(digits));
  const buildStart = Math.floor(u('buildStart') * 0.5 * c.seconds);
  // The unwind starts between the build and the end; at the top of its range never (valued at the end).
  const unwindShare = u('unwindStart');
  const unwindStart = unwindShare >= 0.98 ? null : Math.floor(buildStart + (c.seconds - buildStart) * (0.3 + 0.7 * unwindShare));
  const band = u('bandShare');
  // The push: a multiple of the hold (0–4×), on for a share of each attacked settlement's period
  // (every k-th), ending `pushGap` before the settlement so the hold alone is there when it is
  // paid; the pushes of different settlements never overlap. With k = 8 a push can span the
  // whole 8-hour TWAP window.
  const hold = c.depth * logScale(u('hold'), 1e-4, 0.2);
  const push = hold * 4 * u('pushMultiple');
  const pushEvery = 1 + Math.min(7, Math.floor(u('pushEvery') * 8));
  const gap = logScale(u('pushGap'), 12, 1800);
  const pushDuration = u('pushShare') * (pushEvery * c.fundingPeriod - gap);
  return {
    side,
    hold: round(hold),
    push: round(push),
    pushLead: Math.round(gap + pushDuration),
    pushDuration: Math.round(pushDuration),
    pushEvery,
    // Each trade moves at most this share of the plan's largest swing (hold + push).
    slice: round(Math.max(10, (hold + push) * logScale(u('slice'), 0.02, 1))),
    interval: Math.round(logScale(u('interval'), 12, 900)),
    // Above 0.5 the plan ignores the arbitrageurs' band; below, it stays within 0.25–4 bands.
    bandShare: band > 0.5 ? null : round(logScale(band / 0.5, 0.25, 4), 4),
    buildStart,
    unwindStart,
    switchThreshold: round(logScale(u('switchThreshold'), 1e-5, 3e-3), 7),
    leverage: c.leverage,
  };
}

/** A point of the box from named coordinates (0.5 for those not given). */
export function planPoint(coordinates: Partial<Record<(typeof PLAN_COORDINATES)[number], number>>): number[] {
  return PLAN_COORDINATES.map((k) => coordinates[k] ?? 0.5);
}

/** The centre of the box. */
export const PLAN_CENTRE: readonly number[] = planPoint({});

/**
 * Where each side's search starts (the multi-start): the centre; an aggressive plan (a hold of
 * about 4 % of the depth, a push of twice it on for nine tenths of every settlement's period, off a
 * minute before it, in fast large slices, ignoring the band); and the quiet plan tried by hand
 * before this search existed (a hold of about 9 % of the depth built slowly inside the arbitrageurs' band, a small
 * push kept inside it too).
 */
export const PLAN_STARTS: ReadonlyArray<readonly number[]> = [
  PLAN_CENTRE,
  planPoint({ hold: 0.8, pushMultiple: 0.5, pushEvery: 0, pushShare: 0.9, pushGap: 0.3, slice: 0.8, interval: 0.3, bandShare: 1, buildStart: 0, unwindStart: 0.9 }),
  planPoint({ hold: 0.9, pushMultiple: 0.05, pushEvery: 0.95, pushShare: 0.9, pushGap: 0.5, slice: 0.2, interval: 0.5, bandShare: 0.35, buildStart: 0, unwindStart: 0.9 }),
];
