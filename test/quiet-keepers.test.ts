/**
 * The keeper phase's looks taken as promised (issue 15): a liquidator promises that a look on an
 * observation saying no account is below maintenance does nothing but reschedule itself
 * (`QuietUnlessBelow`), a funding keeper that a look before its next settlement does
 * (`QuietUntilDue`); the engine then answers for them without waking them, the liquidators on
 * the observation's own screen of the accounts (observe.ts `screenNoneBelow`, checked against
 * the exact flag in test/observation-at-risk.test.ts). Checked here: each agent skipped wherever
 * the engine's test holds against one woken at every look (same submissions, wake-ups and random
 * stream), and whole runs of the bundled crash scenarios with liquidations, liquidator and keeper
 * parameters and outages drawn at random, byte for byte with and without the skip.
 */
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Agent, AgentContext, LookPromise, Wake } from '../agents/agent.ts';
import { FundingKeeper } from '../agents/keeper.ts';
import { Liquidator, type LiquidatorParams } from '../agents/liquidator.ts';
import { Rng } from '../data/prng.ts';
import { parseRunScenario, resolveRun } from '../scenarios/run-loader.ts';
import type { EventSink } from '../sim/engine/event-log.ts';
import { A, H, M, Observation, P, observationLength } from '../sim/engine/observation.ts';
import { QuietLooks } from '../sim/engine/quiet-looks.ts';
import { runSimulation } from '../sim/engine/run-simulation.ts';
import { CRASH_BASES as BASES, bundledScenario as bundled, dateAt } from './helpers/crash-bases.ts';
import { randomWorld } from './helpers/random-actions.ts';

const layout = { markets: ['ETH'], accounts: ['liq', 'a', 'b', 'c'] };
const MMR = 0.0625;

function liquidator(seed: number, adaptive: boolean, missProbability: number): Liquidator {
  const ctx: AgentContext = { id: 'liq', index: 0, rng: new Rng(seed), markets: ['ETH'], blockTime: 12 };
  const params: LiquidatorParams = {
    interval: 600,
    maxPerWake: 2,
    backstop: false,
    latency: { median: 2, sigma: 1 },
    priorityFee: 0.01,
    maxPriorityFee: 1000,
    bidShare: { min: 0.05, max: 0.5 },
    adaptive,
    missProbability,
    privateRelay: false,
    subsidised: false,
  };
  return new Liquidator(ctx, params);
}

/** One look: each other account's liquidation ratio either side of maintenance (or flat), its notional, the liquidator's balance (a fee won or not). */
const lookArb = fc.record({
  rows: fc.array(
    fc.record({
      ratio: fc.oneof(
        { weight: 2, arbitrary: fc.constant(Number.NaN) },
        { weight: 1, arbitrary: fc.double({ min: 0.01, max: 0.0625, maxExcluded: true, noNaN: true }) },
        { weight: 6, arbitrary: fc.double({ min: 0.0625, max: 0.5, noNaN: true }) },
      ), notional: fc.constantFrom(100, 5_000, 200_000) }), { minLength: 4, maxLength: 4 }),
  wallet: fc.constantFrom(1000, 1000, 1200),
  open: fc.integer({ min: 0, max: 9 }).map((k) => (k === 0 ? 0 : 1)),
  dt: fc.integer({ min: 1, max: 900 }),
});

/** How often looks were taken as promised, woken, and submitted something. */
interface Looks {
  taken: number;
  woken: number;
  submitted: number;
}

/**
 * Wakes `always` at every look and `skipping` only where `promisedNext` (the engine's side, on the
 * promise its last look gave) does not answer: the same submissions and wake-ups at every look,
 * and both random streams in the same place after. `show` writes the look into the view.
 */
function compareLooks<L extends { readonly dt: number }>(always: Agent, skipping: Agent, view: Observation, looks: readonly L[], show: (l: L, now: number) => void, promisedNext: (promise: LookPromise, l: L, now: number) => number | null, counts: Looks): void {
  let promise: LookPromise | null = null;
  let now = 3000;
  for (const l of looks) {
    show(l, now);
    const expected = always.wake(view, now);
    const next = promise === null ? null : promisedNext(promise, l, now);
    let got: Wake;
    if (next !== null) {
      got = { submissions: [], next };
      counts.taken++;
    } else {
      got = skipping.wake(view, now);
      promise = got.quiet ?? null;
      counts.woken++;
    }
    if (expected.submissions.length > 0) counts.submitted++;
    expect(got.submissions).toEqual(expected.submissions);
    expect(got.next).toBe(expected.next);
    now += l.dt;
  }
  const rng = (a: Agent) => (a as unknown as { ctx: AgentContext }).ctx.rng;
  expect(rng(skipping).next()).toBe(rng(always).next());
}

describe('a liquidator taken at its promise', () => {
  it('decides, schedules and draws as one woken at every look', () => {
    const counts: Looks = { taken: 0, woken: 0, submitted: 0 };
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 ** 31 - 1 }), fc.boolean(), fc.constantFrom(0, 0, 0.3), fc.array(lookArb, { minLength: 2, maxLength: 40 }), (seed, adaptive, miss, looks) => {
        const view = new Observation(layout, new Float64Array(observationLength(layout)));
        const d = view.data;
        d[H.maintenanceMarginRatio] = MMR;
        d[H.liquidationFeeRatio] = 0.0125;
        d[H.baseFee] = 0.1;
        d[H.ethUsd] = 2000;
        d[H.feeOrdering] = 1;
        const show = (l: (typeof looks)[number]) => {
          d[view.marketOffset('ETH') + M.open] = l.open;
          d[view.accountOffset(0) + A.wallet] = l.wallet;
          for (const [i, r] of l.rows.entries()) {
            const po = view.positionOffset(i, 'ETH');
            d[po + P.liquidationRatio] = r.ratio;
            d[po + P.notional] = Number.isNaN(r.ratio) ? 0 : r.notional;
          }
          // The observation's flag: no row (its own included) below maintenance.
          d[H.noneBelowMaintenance] = l.rows.some((r) => r.ratio < MMR) ? 0 : 1;
        };
        // The engine's side: the screen found no row below maintenance.
        const promisedNext = (p: LookPromise, _l: unknown, now: number) => ('kind' in p && p.kind === 'unlessBelow' && d[H.noneBelowMaintenance] === 1 ? now + p.interval : null);
        compareLooks(liquidator(seed, adaptive, miss), liquidator(seed, adaptive, miss), view, looks, show, promisedNext, counts);
      }),
      { numRuns: 500 },
    );
    expect(counts.taken).toBeGreaterThan(1000);
    expect(counts.woken).toBeGreaterThan(1000);
    expect(counts.submitted).toBeGreaterThan(500);
  });
});

describe('a funding keeper taken at its promise', () => {
  it('decides, schedules and draws as one woken at every look', () => {
    const counts: Looks = { taken: 0, woken: 0, submitted: 0 };
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 2 ** 31 - 1 }),
        fc.constantFrom(0, 30, 600),
        fc.constantFrom(0, 0.5),
        fc.array(fc.record({ settled: fc.boolean(), open: fc.integer({ min: 0, max: 9 }).map((k) => (k === 0 ? 0 : 1)), dt: fc.integer({ min: 1, max: 2400 }) }), { minLength: 2, maxLength: 40 }),
        (seed, delay, miss, looks) => {
          const keeper = (s: number) => new FundingKeeper({ id: 'k', index: 0, rng: new Rng(s), markets: ['ETH'], blockTime: 12 }, { market: 'ETH', delay, missProbability: miss, never: false, latency: 0, priorityFee: 0.5 });
          const view = new Observation(layout, new Float64Array(observationLength(layout)));
          const mo = view.marketOffset('ETH');
          let due = 3600;
          const show = (l: (typeof looks)[number], now: number) => {
            // A settlement moves the funding time an hour on.
            if (l.settled && now >= due) due += 3600;
            view.data[mo + M.nextFundingTime] = due;
            view.data[mo + M.open] = l.open;
          };
          // The engine's side, as quiet-looks.ts reads the market.
          const promisedNext = (p: LookPromise, l: (typeof looks)[number], now: number) => ('kind' in p && p.kind === 'untilDue' && l.open === 1 && now < due + p.delay ? due + p.delay : null);
          compareLooks(keeper(seed), keeper(seed), view, looks, show, promisedNext, counts);
        },
      ),
      { numRuns: 300 },
    );
    expect(counts.taken).toBeGreaterThan(500);
    expect(counts.submitted).toBeGreaterThan(100);
  });
});

describe('QuietLooks for the keeper phase', () => {
  it('takes a keeper promise only before its settlement on an open market, a liquidator promise only when the screen finds no one below maintenance', () => {
    const ch = randomWorld('default');
    const m = ch.market('ETH');
    let noneBelow = true;
    const quiet = new QuietLooks('ETH', () => Number.NaN, () => noneBelow, () => ({ baseFee: 0, ethUsd: 0 }), true);
    quiet.record(1, { kind: 'untilDue', market: 'ETH', delay: 30 });
    quiet.record(2, { kind: 'unlessBelow', interval: 600 });
    const due = m.nextFundingTime + 30;
    expect(quiet.promised(1, ch, due - 1)).toBe(due);
    expect(quiet.promised(1, ch, due)).toBeNaN();
    expect(quiet.promised(2, ch, 100)).toBe(700);
    noneBelow = false;
    expect(quiet.promised(2, ch, 100)).toBeNaN();
    // On another market (its own funding time), and not on a closed one.
    quiet.record(1, { kind: 'untilDue', market: 'BTC', delay: 0 });
    expect(quiet.promised(1, ch, 0)).toBe(ch.market('BTC').nextFundingTime);
    m.vamm.open = false;
    quiet.record(1, { kind: 'untilDue', market: 'ETH', delay: 30 });
    expect(quiet.promised(1, ch, due - 1)).toBeNaN();
    // A look without a promise withdraws it; none is kept when disabled.
    quiet.record(2, undefined);
    noneBelow = true;
    expect(quiet.promised(2, ch, 100)).toBeNaN();
    const off = new QuietLooks('ETH', () => Number.NaN, () => true, () => ({ baseFee: 0, ethUsd: 0 }), false);
    off.record(2, { kind: 'unlessBelow', interval: 600 });
    expect(off.promised(2, ch, 100)).toBeNaN();
  });
});

const HOURS = 4;

/** The run's event log, hashed line by line, and its successful liquidations. */
async function logOf(scenarioText: string, quiet: boolean): Promise<{ hash: string; liquidations: number }> {
  vi.stubEnv('VAMM_QUIET_LOOKS', quiet ? '1' : '0');
  const hash = createHash('sha256');
  let liquidations = 0;
  const sink: EventSink = {
    write: (e, line) => {
      hash.update(line);
      hash.update('\n');
      if (e.type === 'AgentAction' && e.action === 'liquidate' && e.ok) liquidations++;
    },
    close() {},
  };
  await runSimulation(await resolveRun(parseRunScenario(scenarioText)), { sinks: [sink] });
  return { hash: hash.digest('hex'), liquidations };
}

describe('runs with the keeper phase taken as promised', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('write the same event log as runs that wake every agent', async () => {
    const skipped = { unlessBelow: 0, untilDue: 0 };
    const promised = QuietLooks.prototype.promised;
    // Counted by the promise's kind as the engine takes it.
    const taken = vi.spyOn(QuietLooks.prototype, 'promised').mockImplementation(function (this: QuietLooks, agent, ch, now) {
      const next = promised.call(this, agent, ch, now);
      const kept = (this as unknown as { kept: (LookPromise | null)[] }).kept[agent];
      if (!Number.isNaN(next) && kept != null && 'kind' in kept) skipped[kept.kind]++;
      return next;
    });
    let liquidations = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...(Object.keys(BASES) as Array<keyof typeof BASES>)),
        fc.constantFrom('default', 'perp-v1'),
        fc.integer({ min: 1, max: 1_000_000 }),
        // Into the crash: where accounts fall below maintenance.
        fc.integer({ min: 0, max: 40 }),
        fc.record({ adaptive: fc.boolean(), missProbability: fc.constantFrom(0, 0, 0.2), interval: fc.constantFrom(60, 600, 3600), privateRelay: fc.boolean() }),
        fc.constantFrom(0, 30, 300),
        fc.option(fc.record({ agents: fc.constantFrom('liquidator-*', 'keeper-*', 'liquidator-1'), start: fc.integer({ min: 1, max: HOURS * 60 - 40 }), length: fc.integer({ min: 5, max: 30 }) }), { nil: undefined }),
        async (baseName, profile, seed, hour, liquidatorParams, keeperDelay, outage) => {
          const base = BASES[baseName];
          const from = dateAt(base.from, hour * 60);
          const at = (minute: number) => dateAt(from, minute);
          const scenario = bundled(base.file) as { agents: Array<{ kind: string; params?: object }> };
          const agents = scenario.agents.map((a) =>
            a.kind === 'liquidator' ? { ...a, params: { ...a.params, ...liquidatorParams } } : a.kind === 'keeper' ? { ...a, params: { ...a.params, delay: keeperDelay } } : a,
          );
          const text = JSON.stringify({
            ...scenario,
            agents,
            name: 'quiet-keepers',
            profile,
            seed,
            prices: { file: base.prices, gapPolicy: 'carry-forward', from, to: at(HOURS * 60) },
            invariants: 'block',
            events: outage ? [{ kind: 'agent-outage', agents: outage.agents, from: at(outage.start), to: at(outage.start + outage.length) }] : [],
          });
          const off = await logOf(text, false);
          const on = await logOf(text, true);
          liquidations += off.liquidations;
          expect(on.hash).toBe(off.hash);
        },
      ),
      { numRuns: Number(process.env.VAMM_QUIET_LOOKS_RUNS ?? 6) },
    );
    taken.mockRestore();
    // Looks were taken as promised, and the runs liquidated: a screen that let a look with an account below maintenance go would have changed a log.
    expect(skipped.unlessBelow).toBeGreaterThan(5000);
    expect(skipped.untilDue).toBeGreaterThan(5);
    expect(liquidations).toBeGreaterThan(20);
  }, 600_000);
});
