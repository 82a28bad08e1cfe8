/**
 * Liveness on the contracts: runs a scripted scenario on a deployment — this tree's contracts or any
 * other compiled version, such as an older git ref's — without comparing it to the model, and checks
 * after every transaction step (in the same block, on the state right after the step):
 *
 * - `liquidatable`: a position below maintenance on the design's trader-favourable valuation — the
 *   better of spot and the 15-min TWAP, and the oracle's when the mark strays from a *usable*
 *   oracle price (a fresh fast price, else a fresh, positive Chainlink answer) — can be liquidated,
 *   and one at or above it cannot (no liquidation on a bad price);
 * - `claims-covered`: the vault's tokens (idle, plus a yield source at book value) cover every claim
 *   on them — collateral (a flat account's debt is no asset), margins less the carry they owe, the
 *   insurance fund, the treasury and the net trader position's value — or the shortfall is on record;
 *
 * and over the whole run
 *
 * - `admin-gas`: every admin operation (k migration and its pages, repeg, shutdown, parameter
 *   changes) stays within a gas bound, whatever the number of accounts.
 *
 * The checks read views both the contracts as filed (git 2d8cf93) and today's have, and compute the
 * valuation rule and the ledger themselves, so a version that breaks them is reported, not trusted.
 */
import { type Abi, type Hex, decodeFunctionResult, encodeFunctionData } from 'viem';
import type { Script } from '../../scenarios/script-schema.ts';
import { ONE, abs, ceilDiv } from '../../sim/math/fixed.ts';
import type { Artifacts } from './compile.ts';
import { type GasStats, type Probe, type ProbeContext, replay } from './replay.ts';

export const LIVENESS_PROPERTIES = ['liquidatable', 'claims-covered', 'admin-gas'] as const;
export type LivenessProperty = (typeof LIVENESS_PROPERTIES)[number];

export interface PropertyViolation {
  readonly property: LivenessProperty;
  /** The script step after which it was seen (-1: the run as a whole). */
  readonly step: number;
  readonly message: string;
}

export interface LivenessRun {
  readonly violations: PropertyViolation[];
  /** Checks made per property (positions examined, ledger checks, admin transactions). */
  readonly checks: Record<LivenessProperty, number>;
  readonly gas: Record<string, GasStats>;
}

/** Admin operations the gas bound applies to (the rest are a trader's own cost). */
export const ADMIN_OPERATIONS = ['migrateLiquidity', 'remapPositions', 'repeg', 'shutdown', 'setParam', 'setMarketParams'] as const;
const PROBER: Hex = '0x0000000000000000000000000000000000009b0b';
const TX_GAS = 25_000_000;

interface Position {
  size: bigint;
  margin: bigint;
  openNotional: bigint;
  lastCumulativePremiumFraction: bigint;
  lastLossIndex: bigint;
  isolated: boolean;
}

interface LensState {
  markets: ReadonlyArray<{ id: Hex; books: { cumulativePremiumFraction: bigint; lossIndexLong: bigint; lossIndexShort: bigint; fundingRoundings: bigint } }>;
  accounts: ReadonlyArray<{ account: Hex; collateral: bigint; positions: ReadonlyArray<{ market: Hex; position: Position }> }>;
  balances: readonly bigint[];
  insuranceFund: bigint;
  treasury: bigint;
  uncoveredBadDebt: bigint;
  unfundedCurveCost: bigint;
}

const hasFunction = (abi: Abi, name: string) => abi.some((x) => x.type === 'function' && x.name === name);

/** Runs `script` on `artifacts` and checks the three liveness properties. */
export async function checkLiveness(script: Script, options: { artifacts?: Artifacts; gasBound: number }): Promise<LivenessRun> {
  const violations: PropertyViolation[] = [];
  const checks: Record<LivenessProperty, number> = { liquidatable: 0, 'claims-covered': 0, 'admin-gas': 0 };
  const traders = [...new Set(script.steps.flatMap((s) => (s.action.name === 'openPosition' ? [s.action.args.trader] : [])))];
  const markets = script.markets.map((m) => m.id);
  const report = await replay(
    { header: script, actions: script.steps.map((s) => ({ action: s.action })) },
    { compare: 'transaction', checkModel: false, views: false, ...(options.artifacts ? { artifacts: options.artifacts } : {}), probe: (step, ctx) => probes(step, ctx, traders, markets, violations, checks) },
  );
  for (const [op, g] of Object.entries(report.gas)) {
    const name = op.replace(' (reverted)', '');
    if (!(ADMIN_OPERATIONS as readonly string[]).includes(name)) continue;
    checks['admin-gas'] += g.count;
    if (g.max > options.gasBound) {
      const outOfGas = op.endsWith('(reverted)') && g.max >= TX_GAS * 0.99;
      violations.push({
        property: 'admin-gas',
        step: -1,
        message: `${name} ${outOfGas ? `ran out of gas (${TX_GAS.toLocaleString('en-US')})` : `used ${g.max.toLocaleString('en-US')} gas`}, above the bound of ${options.gasBound.toLocaleString('en-US')}`,
      });
    }
  }
  return { violations, checks, gas: report.gas };
}

function call(ctx: ProbeContext, to: Hex, abi: Abi, functionName: string, args: readonly unknown[] = [], from?: Hex): Probe['request'] {
  return ctx.rpc.callRequest(to, encodeFunctionData({ abi, functionName, args } as never), from);
}

function decode<T>(abi: Abi, functionName: string, r: { ok: boolean; result: unknown }): T | null {
  if (!r.ok) return null;
  return decodeFunctionResult({ abi, functionName, data: r.result as Hex } as never) as T;
}

/** The reads after one step, and the checks made when the last answer is in. */
function probes(step: number, ctx: ProbeContext, traders: readonly string[], markets: readonly string[], violations: PropertyViolation[], checks: Record<LivenessProperty, number>): Probe[] {
  const A = ctx.artifacts;
  const admin = A.ClearingHouseAdmin!.abi as Abi;
  const chAbi = [...(A.ClearingHouse!.abi as Abi), ...admin] as Abi;
  const { core } = ctx;
  const out: Probe[] = [];
  const got = new Map<string, { ok: boolean; result: unknown }>();
  const read = (key: string, request: Probe['request']) => out.push({ request, onResult: (r) => got.set(key, r) });
  read('lens', call(ctx, core.lens, A.ProtocolLens!.abi as Abi, 'state', [core.clearingHouse, [core.vault]]));
  read('params', call(ctx, core.clearingHouse, chAbi, 'params'));
  read('principal', call(ctx, core.vault, A.Vault!.abi as Abi, 'principal'));
  if (hasFunction(A.Vault!.abi as Abi, 'yieldShortfall')) read('yieldShortfall', call(ctx, core.vault, A.Vault!.abi as Abi, 'yieldShortfall'));
  for (const id of markets) {
    const d = ctx.markets.get(id)!;
    read(`${id}.netTraderValue`, call(ctx, core.clearingHouse, chAbi, 'netTraderValue', [d.key]));
    if (hasFunction(admin, 'getMigration')) read(`${id}.migration`, call(ctx, core.clearingHouse, chAbi, 'getMigration', [d.key]));
    read(`${id}.open`, call(ctx, d.vamm, A.Vamm!.abi as Abi, 'open'));
    read(`${id}.spot`, call(ctx, d.vamm, A.Vamm!.abi as Abi, 'spotPrice'));
    read(`${id}.round`, call(ctx, d.aggregator, A.ReplayAggregator!.abi as Abi, 'latestRoundData'));
    read(`${id}.fast`, call(ctx, core.pyth, A.MockPyth!.abi as Abi, 'getPriceUnsafe', [d.key]));
    for (const p of ['stalenessLimit', 'fastMaxAge', 'fastMaxConfidenceRatio']) read(`${id}.${p}`, call(ctx, d.oracle, A.OracleAdapter!.abi as Abi, p));
    for (const t of traders) {
      const address = ctx.address(t);
      for (const [v, valuation] of [['spot', 0], ['twap', 1], ['oracle', 2]] as const) {
        read(`${id}.${t}.${v}`, call(ctx, core.clearingHouse, chAbi, 'marginRatio', [address, d.key, valuation]));
      }
      read(`${id}.${t}.position`, call(ctx, core.clearingHouse, chAbi, 'getPosition', [address, d.key]));
      read(`${id}.${t}.liquidate`, call(ctx, core.clearingHouse, chAbi, 'liquidate', [address, d.key, 0n], PROBER));
    }
  }
  const last = out.pop()!;
  out.push({
    request: last.request,
    onResult: (r) => {
      last.onResult(r);
      evaluate(step, ctx, got, traders, markets, violations, checks);
    },
  });
  return out;
}

function evaluate(
  step: number,
  ctx: ProbeContext,
  got: ReadonlyMap<string, { ok: boolean; result: unknown }>,
  traders: readonly string[],
  markets: readonly string[],
  violations: PropertyViolation[],
  checks: Record<LivenessProperty, number>,
): void {
  const A = ctx.artifacts;
  const chAbi = [...(A.ClearingHouse!.abi as Abi), ...(A.ClearingHouseAdmin!.abi as Abi)] as Abi;
  // A lens that cannot read the state (the filed version's reverts with the feed) leaves the ledger unjudged.
  const lens = decode<LensState>(A.ProtocolLens!.abi as Abi, 'state', got.get('lens')!);
  const params = decode<readonly unknown[]>(chAbi, 'params', got.get('params')!) as readonly [bigint, bigint, bigint, bigint, bigint, bigint, boolean, bigint];
  const mmr = params[1];
  const maxSpread = params[7];
  const idOf = new Map<string, string>([...ctx.markets].map(([id, d]) => [d.key.toLowerCase(), id]));
  const pending = (id: string) => {
    const g = got.get(`${id}.migration`);
    return g ? (decode<{ pending: boolean }>(chAbi, 'getMigration', g)?.pending ?? false) : false;
  };

  // ---------------------------------------------------------------- claims covered
  if (lens && !markets.some(pending)) {
    checks['claims-covered']++;
    const books = new Map(lens.markets.map((m) => [idOf.get(m.id.toLowerCase()) ?? m.id, m.books]));
    let claims = lens.insuranceFund + lens.treasury;
    let roundings = 0n;
    for (const b of books.values()) roundings += b.fundingRoundings;
    for (const a of lens.accounts) {
      const open = a.positions.some((p) => p.position.size !== 0n);
      // A flat account's debt will never be paid: it backs no claim.
      claims += open || a.collateral > 0n ? a.collateral : 0n;
      for (const { market, position: p } of a.positions) {
        claims += p.margin;
        if (p.size === 0n) continue;
        const b = books.get(idOf.get(market.toLowerCase()) ?? market)!;
        claims -= ((b.cumulativePremiumFraction - p.lastCumulativePremiumFraction) * p.size) / ONE;
        const delta = (p.size > 0n ? b.lossIndexLong : b.lossIndexShort) - p.lastLossIndex;
        if (delta > 0n) claims -= ceilDiv(delta * p.openNotional, ONE);
      }
    }
    for (const id of markets) claims += decode<bigint>(chAbi, 'netTraderValue', got.get(`${id}.netTraderValue`)!) ?? 0n;
    const principal = decode<bigint>(A.Vault!.abi as Abi, 'principal', got.get('principal')!) ?? 0n;
    const shortfall = got.has('yieldShortfall') ? (decode<bigint>(A.Vault!.abi as Abi, 'yieldShortfall', got.get('yieldShortfall')!) ?? 0n) : 0n;
    const assets = ((lens.balances[0] ?? 0n) + principal) * 10n ** 12n;
    const slack = assets - claims + lens.uncoveredBadDebt + lens.unfundedCurveCost + shortfall;
    if (slack < -roundings) {
      violations.push({
        property: 'claims-covered',
        step,
        message: `the vault is short of its claims by ${fmt(-slack)} with nothing on record (tokens ${fmt(assets)} at book value, claims ${fmt(claims)})`,
      });
    }
  }

  // ---------------------------------------------------------------- liquidatable
  const position = (id: string, t: string) => decode<Position>(chAbi, 'getPosition', got.get(`${id}.${t}.position`)!)!;
  const crossMarkets = (t: string) => markets.filter((id) => position(id, t).size !== 0n && !position(id, t).isolated).length;
  for (const id of markets) {
    if (pending(id) || !decode<boolean>(A.Vamm!.abi as Abi, 'open', got.get(`${id}.open`)!)) continue;
    const spot = decode<bigint>(A.Vamm!.abi as Abi, 'spotPrice', got.get(`${id}.spot`)!)!;
    const oracle = usablePrice(ctx, got, id);
    const over = oracle !== null && abs(((spot - oracle) * ONE) / oracle) >= maxSpread;
    for (const t of traders) {
      const ratio = (v: string) => decode<bigint>(chAbi, 'marginRatio', got.get(`${id}.${t}.${v}`)!);
      const [s, tw] = [ratio('spot'), ratio('twap')];
      if (s === null || tw === null) continue; // no position (or none we can value)
      if (!position(id, t).isolated && crossMarkets(t) > 1) continue; // a multi-market group: not judged here
      let best = s > tw ? s : tw;
      if (over) {
        const o = ratio('oracle');
        if (o !== null && o > best) best = o;
      }
      checks.liquidatable++;
      const r = got.get(`${id}.${t}.liquidate`)!;
      const below = best < mmr;
      if (below && !r.ok) {
        violations.push({
          property: 'liquidatable',
          step,
          message: `${t}'s ${id} position is below maintenance (${pct(best)} < ${pct(mmr)} on the usable prices) but liquidate reverts ${ctx.rpc.describeRevert(r.result as Hex)}`,
        });
      } else if (!below && r.ok) {
        violations.push({ property: 'liquidatable', step, message: `${t}'s ${id} position can be liquidated at ${pct(best)}, at or above maintenance on every usable price` });
      }
    }
  }
}

/** The oracle price the design may trust now: a fresh, tight fast price, else a fresh, positive Chainlink answer. */
function usablePrice(ctx: ProbeContext, got: ReadonlyMap<string, { ok: boolean; result: unknown }>, id: string): bigint | null {
  const A = ctx.artifacts;
  const o = A.OracleAdapter!.abi as Abi;
  const staleness = decode<bigint>(o, 'stalenessLimit', got.get(`${id}.stalenessLimit`)!)!;
  const maxAge = decode<bigint>(o, 'fastMaxAge', got.get(`${id}.fastMaxAge`)!)!;
  const maxConfidence = decode<bigint>(o, 'fastMaxConfidenceRatio', got.get(`${id}.fastMaxConfidenceRatio`)!)!;
  const now = BigInt(ctx.timestamp);
  const fast = decode<{ price: bigint; conf: bigint; expo: number; publishTime: bigint }>(A.MockPyth!.abi as Abi, 'getPriceUnsafe', got.get(`${id}.fast`)!);
  if (fast && fast.price > 0n && fast.expo >= -18 && fast.expo <= 0 && fast.publishTime <= now && now - fast.publishTime <= maxAge) {
    const scale = 10n ** BigInt(18 + fast.expo);
    if (fast.conf * scale * ONE <= fast.price * scale * maxConfidence) return fast.price * scale;
  }
  const round = decode<readonly [bigint, bigint, bigint, bigint, bigint]>(A.ReplayAggregator!.abi as Abi, 'latestRoundData', got.get(`${id}.round`)!);
  if (!round) return null;
  const [, answer, , updatedAt] = round;
  if (answer <= 0n || updatedAt === 0n) return null;
  if (staleness !== 0n && now - updatedAt > staleness) return null;
  return answer * 10n ** 10n;
}

const fmt = (wei: bigint) => `${(Number(wei) / 1e18).toLocaleString('en-US', { maximumFractionDigits: 2 })} USD`;
const pct = (ratio: bigint) => `${(Number(ratio) / 1e16).toFixed(2)} %`;
