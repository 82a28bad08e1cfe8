/**
 * The adaptive manipulator: a funding manipulator whose policy is a small neural network
 * trained against the simulator (agents/manipulator-training.ts) instead of a fixed schedule.
 * Every `interval` seconds it observes five features — time to the next funding settlement,
 * the mark-TWAP premium and the spot premium over the index, the last funding rate, and its own
 * position — and the network answers one number in (−1, 1): the signed position it wants, as a
 * share of `maxNotional`. Pushing the mark, holding the receiving side and unwinding before a
 * settlement are all ways of moving that target; when and how hard is what training decides.
 *
 * The policy is a tfjs model saved on disk (`policy`, a folder), or inline weights (`network`,
 * how training evaluates candidates); it runs on the float64 twin (data/mlp.ts), so the agent is
 * synchronous, runs in worker threads, and its runs are byte-identical whatever tfjs backend
 * trained it.
 */
import { join } from 'node:path';
import { type MlpSpec, Mlp } from '../data/mlp.ts';
import { readModelMetadata, readModelWeights } from '../data/tf-model-files.ts';
import type { Observation } from '../sim/engine/observation.ts';
import { buyingPower, feeAffordable, maxQuoteWithinBand } from './account-view.ts';
import type { AgentContext, Side, Submission, Wake } from './agent.ts';
import { AgentBase } from './agent-base.ts';

/** Where `vamm train manipulator` saves by default, and where the agent looks. */
export const DEFAULT_POLICY_DIR = join(import.meta.dirname, 'trained', 'adaptive-manipulator');

export const POLICY_FEATURES = ['timeToFunding', 'twapPremium', 'spotPremium', 'fundingRate', 'position'] as const;

export const POLICY_SPEC: MlpSpec = { inputs: POLICY_FEATURES.length, hidden: [8], outputs: 1, activation: 'tanh', outputActivation: 'tanh' };

export interface AdaptiveManipulatorParams {
  readonly market: string;
  /** Folder of a trained policy (tfjs model); ignored when `network` is given. */
  readonly policy: string;
  /** Inline policy weights (flat, as Mlp.fromFlat): how training evaluates a candidate. */
  readonly network?: { readonly weights: readonly number[] };
  /** The position at output ±1 (USD notional). */
  readonly maxNotional: number;
  readonly leverage: number;
  /** Seconds between decisions. */
  readonly interval: number;
  /** No trade when the target is within this share of maxNotional of the position. */
  readonly deadband: number;
  /** The market's funding period (seconds), to scale the time to the next settlement. */
  readonly fundingPeriod: number;
  readonly latency: number;
  readonly priorityFee: number;
}

/** The policy a params object names: inline weights, or the tfjs model in its folder. */
export function loadPolicy(p: Pick<AdaptiveManipulatorParams, 'policy' | 'network'>): Mlp {
  if (p.network) return Mlp.fromFlat(POLICY_SPEC, p.network.weights);
  const meta = readModelMetadata(p.policy);
  if (meta.kind !== 'manipulator-policy') throw new Error(`${p.policy} holds no manipulator policy (kind ${String(meta.kind)})`);
  return Mlp.fromWeights(POLICY_SPEC, readModelWeights(p.policy));
}

const clip = (x: number, a: number): number => (Number.isFinite(x) ? Math.max(-a, Math.min(a, x)) : 0);

/** The network's inputs, each scaled to order one (premiums in units of 0.1 %, funding in bp per period). */
export function policyFeatures(view: Observation, market: string, account: number, p: Pick<AdaptiveManipulatorParams, 'maxNotional' | 'fundingPeriod'>, now: number, out: Float64Array): Float64Array {
  const index = view.market(market, 'index');
  const size = view.position(account, market, 'size');
  const held = Math.sign(size) * view.position(account, market, 'notional');
  out[0] = Math.max(0, Math.min(1, (view.market(market, 'nextFundingTime') - now) / p.fundingPeriod));
  out[1] = clip((view.market(market, 'markTwap') / index - 1) * 1000, 5);
  out[2] = clip((view.market(market, 'spot') / index - 1) * 1000, 5);
  out[3] = clip(view.market(market, 'fundingRate') * 1e4, 5);
  out[4] = clip(held / p.maxNotional, 1.5);
  return out;
}

export class AdaptiveManipulator extends AgentBase<AdaptiveManipulatorParams> {
  override readonly kind = 'adaptive-manipulator';
  /** It reads only its own account's rows. */
  readonly readsOthers = false;
  override readonly phase = 'trade' as const;
  private readonly policy: Mlp;
  private readonly x = new Float64Array(POLICY_FEATURES.length);

  constructor(ctx: AgentContext, p: AdaptiveManipulatorParams) {
    super(ctx, p);
    this.policy = loadPolicy(p);
  }

  /** The signed position (USD notional) the policy wants now. */
  target(view: Observation, now: number): number {
    const out = this.policy.forward(policyFeatures(view, this.p.market, this.ctx.index, this.p, now, this.x));
    return (out[0] as number) * this.p.maxNotional;
  }

  override wake(view: Observation, now: number): Wake {
    const { market } = this.p;
    if (!view.market(market, 'open')) return { submissions: [], next: null };
    const next = now + this.p.interval;
    const size = view.position(this.ctx.index, market, 'size');
    const held = Math.sign(size) * view.position(this.ctx.index, market, 'notional');
    const delta = this.target(view, now) - held;
    if (Math.abs(delta) < this.p.deadband * this.p.maxNotional) return { submissions: [], next };
    const side: Side = delta > 0 ? 'long' : 'short';
    const reducing = Math.sign(delta) === -Math.sign(held) ? Math.abs(held) : 0;
    const notional = Math.min(
      Math.abs(delta),
      maxQuoteWithinBand(view, market, side),
      feeAffordable(view, this.ctx.index, market),
      reducing + buyingPower(view, this.ctx.index, market, this.p.leverage),
    );
    if (notional < 10) return { submissions: [], next };
    const submission: Submission = { action: { kind: 'open', market, side, margin: notional / this.p.leverage, leverage: this.p.leverage }, priorityFee: this.p.priorityFee };
    return { submissions: [submission], next };
  }
}
