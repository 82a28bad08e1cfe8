/**
 * The liveness search: for each injected fault, seeded scenarios of its family run on the contracts
 * (contracts/harness/liveness.ts checks every property after every step); the first violation of a
 * property is shrunk to the shortest script that still shows it — steps left out one at a time while
 * the violation persists, and a flood of dust accounts cut to the smallest size that still breaks
 * the gas bound (found from the gas at two sizes, since the remap's cost is linear in what it
 * visits, and checked at that size and one below).
 */
import type { Artifacts } from '../../contracts/harness/compile.ts';
import { ADMIN_OPERATIONS, LIVENESS_PROPERTIES, type LivenessProperty, type LivenessRun, checkLiveness } from '../../contracts/harness/liveness.ts';
import type { Script } from '../script-schema.ts';
import { DEFAULT_FLOOD, FAULTS, type FaultName, type FloodSizes, faultScenario, floodSize, withFloodSize, withoutSteps } from './faults.ts';

/** Which review finding (issue 17) a violation of a property under a fault is. */
export const REVIEW_FINDING: Partial<Record<`${FaultName}/${LivenessProperty}`, string>> = {
  'oracle-stale/liquidatable': '1',
  'oracle-reverts/liquidatable': '1',
  'oracle-bad-answer/liquidatable': '1',
  'sequencer-downtime/liquidatable': '1',
  'shutdown-bad-debt/claims-covered': '2',
  'yield-loss/claims-covered': '3',
  'illiquid-breaker/claims-covered': '3',
  'illiquid-yield-source/liquidatable': '3',
  'dust-accounts/admin-gas': '4',
  'dust-positions/admin-gas': '4',
  'over-band-close/liquidatable': '5',
};

export interface LivenessOptions {
  readonly faults?: readonly FaultName[];
  /** Scenarios drawn per fault (seeds 1…n); a property holds when none of them breaks it. */
  readonly seeds?: number;
  /** Most gas an admin transaction may use. */
  readonly gasBound?: number;
  readonly flood?: FloodSizes;
  /** The contracts to check (default: this tree's). */
  readonly artifacts?: Artifacts;
  readonly onProgress?: (message: string) => void;
}

export interface ShortestScript {
  readonly script: Script;
  /** Steps of the scenario the search found, before shrinking. */
  readonly foundSteps: number;
  readonly seed: number;
  readonly step: number;
  readonly message: string;
}

export interface LivenessRow {
  readonly fault: FaultName;
  readonly property: LivenessProperty;
  readonly status: 'held' | 'violated' | 'not exercised';
  readonly scenarios: number;
  readonly checks: number;
  readonly finding: string | null;
  readonly violation: ShortestScript | null;
}

export interface LivenessReport {
  readonly rows: LivenessRow[];
  readonly gasBound: number;
  readonly seeds: number;
  readonly flood: FloodSizes;
  readonly runs: number;
  readonly seconds: number;
}

export const DEFAULT_GAS_BOUND = 15_000_000;

export async function searchLiveness(options: LivenessOptions = {}): Promise<LivenessReport> {
  const started = Date.now();
  const gasBound = options.gasBound ?? DEFAULT_GAS_BOUND;
  const seeds = options.seeds ?? 3;
  const flood = options.flood ?? DEFAULT_FLOOD;
  let runs = 0;
  const check = async (script: Script): Promise<LivenessRun> => {
    runs++;
    return checkLiveness(script, { gasBound, ...(options.artifacts ? { artifacts: options.artifacts } : {}) });
  };
  const rows: LivenessRow[] = [];
  for (const fault of options.faults ?? FAULTS) {
    const checks: Record<LivenessProperty, number> = { liquidatable: 0, 'claims-covered': 0, 'admin-gas': 0 };
    const scenarios: Record<LivenessProperty, number> = { liquidatable: 0, 'claims-covered': 0, 'admin-gas': 0 };
    const found = new Map<LivenessProperty, ShortestScript>();
    for (let seed = 1; seed <= seeds && found.size < LIVENESS_PROPERTIES.length; seed++) {
      const script = faultScenario(fault, seed, flood);
      options.onProgress?.(`${fault} seed ${seed}`);
      const run = await check(script);
      for (const p of LIVENESS_PROPERTIES) {
        if (found.has(p)) continue;
        checks[p] += run.checks[p];
        scenarios[p]++;
        const v = run.violations.find((x) => x.property === p);
        if (!v) continue;
        options.onProgress?.(`${fault}: ${p} violated; shrinking`);
        const progress = options.onProgress;
        const shrinkCheck: Check = async (s) => {
          const r = await check(s);
          progress?.(`  ${s.steps.length} steps${floodSize(s) ? `, flood ${floodSize(s)}` : ''}: ${r.violations.some((x) => x.property === p) ? 'still violated' : 'held'}`);
          return r;
        };
        found.set(p, { ...(await shrink(script, p, shrinkCheck, gasBound)), foundSteps: script.steps.length, seed });
      }
    }
    for (const p of LIVENESS_PROPERTIES) {
      const violation = found.get(p) ?? null;
      rows.push({
        fault,
        property: p,
        status: violation ? 'violated' : checks[p] > 0 ? 'held' : 'not exercised',
        scenarios: scenarios[p],
        checks: checks[p],
        finding: REVIEW_FINDING[`${fault}/${p}`] ?? null,
        violation,
      });
    }
  }
  return { rows, gasBound, seeds, flood, runs, seconds: (Date.now() - started) / 1000 };
}

type Check = (script: Script) => Promise<LivenessRun>;

/** The shortest script that still breaks `property`: a smaller flood, then steps left out while it persists. */
async function shrink(script: Script, property: LivenessProperty, check: Check, gasBound: number): Promise<Omit<ShortestScript, 'foundSteps' | 'seed'>> {
  const violated = async (s: Script) => (await check(s)).violations.find((v) => v.property === property) ?? null;
  let best = script;
  if (property === 'admin-gas' && floodSize(script) > 0) best = await smallestFlood(script, check, gasBound);
  best = await withoutNeedlessSteps(best, async (s) => (await violated(s)) !== null);
  const v = (await violated(best))!;
  return { script: { ...best, name: `${script.name}-shortest` }, step: v.step, message: v.message };
}

/**
 * Delta debugging (Zeller's ddmin on the complement): leaves out chunks of steps — halves first,
 * then smaller — while the script still fails, down to single steps; a few runs when most steps
 * are noise, one per step at worst per round.
 */
async function withoutNeedlessSteps(script: Script, fails: (s: Script) => Promise<boolean>): Promise<Script> {
  let best = script;
  let chunks = 2;
  while (best.steps.length > 1) {
    const size = Math.ceil(best.steps.length / chunks);
    let removed = false;
    for (let start = 0; start < best.steps.length; start += size) {
      const candidate = withoutSteps(best, new Set(Array.from({ length: Math.min(size, best.steps.length - start) }, (_, k) => start + k)));
      if (await fails(candidate)) {
        best = candidate;
        chunks = Math.max(chunks - 1, 2);
        removed = true;
        break;
      }
    }
    if (removed) continue;
    if (size === 1) break;
    chunks = Math.min(best.steps.length, chunks * 2);
  }
  return best;
}

/**
 * The smallest flood that still breaks the gas bound: the largest admin transaction's gas at two
 * small sizes gives the cost per dust account; the size it predicts is stepped up (or down) until
 * the bound is broken at it and not one below.
 */
async function smallestFlood(script: Script, check: Check, gasBound: number): Promise<Script> {
  const adminGas = async (n: number) => maxAdminGas((await check(withFloodSize(script, n))).gas);
  const [g1, g2] = [await adminGas(50), await adminGas(150)];
  const perAccount = (g2 - g1) / 100;
  if (perAccount <= 0) return script;
  let n = Math.max(1, Math.min(floodSize(script), Math.ceil(50 + (gasBound - g1) / perAccount)));
  for (let tries = 0; tries < 6; tries++) {
    const at = (await adminGas(n)) > gasBound;
    const below = n > 1 && (await adminGas(n - 1)) > gasBound;
    if (at && !below) break;
    n = at ? n - Math.max(1, Math.ceil((n * 0.01))) : n + Math.max(1, Math.ceil(n * 0.01));
  }
  return withFloodSize(script, n);
}

function maxAdminGas(gas: LivenessRun['gas']): number {
  let max = 0;
  for (const [op, g] of Object.entries(gas)) if ((ADMIN_OPERATIONS as readonly string[]).includes(op.replace(' (reverted)', ''))) max = Math.max(max, g.max);
  return max;
}
