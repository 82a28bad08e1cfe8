/**
 * The engine under random combinations of what a scenario can schedule: random k changes, the
 * sequencer down, agents out, oracle delays and a manipulated fast feed, injected faults (the
 * Chainlink feed reverting or answering zero or negative, a fluctuation band, a funding cap,
 * trade limit or maintenance margin changed mid-run, a flood of dust accounts, the vault's yield
 * source losing deposits and its breaker tripped), the clearing house's liquidation sizing, fees,
 * restriction mode and k-migration page size, a stated book of
 * leveraged accounts opened before the start, a second market sharing their cross margin, on
 * both profiles, with the bundled FTX scenario's agents (noise, momentum, mean reversion, hedged
 * arbitrageurs, a whale, a manipulator, liquidators, a keeper), Black Thursday's (L1 gas and an
 * MEV searcher) or 19 May 2021's (ordered by priority fee), each on 14 hours of its crash. Every run must finish, with
 * no invariant violated after any block: a view that cannot value a state it reaches, or a fault
 * the books do not survive, fails here with the shrunk scenario.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseRunScenario, resolveRun } from '../scenarios/run-loader.ts';
import { runSimulation } from '../sim/engine/run-simulation.ts';
import { CRASH_BASES as BASES, bundledScenario as bundled, dateAt } from './helpers/crash-bases.ts';

/** Each base on 14 hours of its crash. */
const HOURS = 14;

/** A window inside the run: start minute and length in minutes. */
const windowArb = fc.record({ start: fc.integer({ min: 1, max: HOURS * 60 - 10 }), length: fc.integer({ min: 5, max: 240 }) });
const eventArb = fc.oneof(
  windowArb.map((w) => ({ kind: 'sequencer-down', from: w.start, to: w.start + w.length, grace: 600 })),
  fc.tuple(windowArb, fc.constantFrom('liquidator-*', 'arbitrageur-*', 'keeper-*', 'noise-*')).map(([w, agents]) => ({ kind: 'agent-outage', agents, from: w.start, to: w.start + w.length })),
  fc.tuple(windowArb, fc.constantFrom('fast', 'chainlink', 'both'), fc.integer({ min: 30, max: 3600 })).map(([w, feed, seconds]) => ({ kind: 'oracle-delay', feed, from: w.start, to: w.start + w.length, seconds })),
  fc.tuple(windowArb, fc.constantFrom(-0.3, -0.1, 0.05, 0.2)).map(([w, deviation]) => ({ kind: 'fast-feed-manipulation', from: w.start, to: w.start + w.length, deviation })),
);
const migrationArb = fc.record({
  minute: fc.integer({ min: 1, max: HOURS * 60 - 1 }),
  multiplier: fc.constantFrom('0.5', '0.8', '1.5', '3'),
  remap: fc.constantFrom('lazy', 'eager', 'none'),
});

/** Faults at a random minute (scenarios/fault-schedule.ts); a yield-source bundle attaches, deposits, loses and may trip. */
const faultArb = fc.oneof(
  fc.tuple(fc.integer({ min: 1, max: HOURS * 60 - 130 }), fc.constantFrom('revert', 'zero', 'negative'), fc.integer({ min: 1, max: 120 })).map(([minute, fault, lasts]) => [
    { at: minute, setOracleFault: { market: 'ETH', fault } },
    { at: minute + lasts, setOracleFault: { market: 'ETH', fault: 'none' } },
  ]),
  fc.tuple(fc.integer({ min: 1, max: HOURS * 60 - 1 }), fc.constantFrom({ fluctuationLimitRatio: '0.005' }, { fluctuationLimitRatio: '0.05' }, { tradeLimitRatio: '0.01' }, { funding: { fundingCapRatio: '0.0001' } }, { fees: { feeRatio: '0.01' } })).map(([minute, params]) => [
    { at: minute, setMarketParams: { market: 'ETH', ...params } },
  ]),
  fc.tuple(fc.integer({ min: 1, max: HOURS * 60 - 1 }), fc.constantFrom('0.08', '0.1')).map(([minute, mmr]) => [{ at: minute, setClearingHouseParams: { maintenanceMarginRatio: mmr } }]),
  fc.tuple(fc.integer({ min: 1, max: HOURS * 60 - 1 }), fc.integer({ min: 1, max: 200 })).map(([minute, count]) => [{ at: minute, dustAccounts: { count, amount: '1' } }]),
  fc.tuple(fc.integer({ min: 1, max: HOURS * 60 - 30 }), fc.constantFrom('1000', '200000'), fc.boolean()).map(([minute, lost, trip]) => [
    { at: minute, setYieldSource: { maxLossRatio: '0.01' } },
    { at: minute, depositToYield: { amount: '400000' } },
    { at: minute + 10, yieldSourceLoss: { amount: lost } },
    ...(trip ? [{ at: minute + 20, tripCircuitBreaker: { by: 'owner' } }] : []),
  ]),
);

/** The clearing house's parameters at the start: liquidation sizing and fees, the restriction mode, k-migration pages of a few positions. */
const clearingHouseArb = fc.record(
  {
    partialLiquidationRatio: fc.constantFrom('0.125', '0.5', '1'),
    fullLiquidationBelowNotional: fc.constantFrom('0', '5000', '100000'),
    liquidationFeeRatio: fc.constantFrom('0.0125', '0.05'),
    restrictionMode: fc.boolean(),
    remapPageSize: fc.integer({ min: 1, max: 8 }),
  },
  { requiredKeys: [] },
);

/** A stated book (scenarios/population.ts) of 40–80 accounts a side, up to 10× leverage, on a deeper market so every account can open. */
const bookArb = fc.record({
  long: fc.integer({ min: 1, max: 4 }),
  short: fc.integer({ min: 1, max: 4 }),
  accounts: fc.integer({ min: 40, max: 80 }),
  highLeverage: fc.constantFrom(3, 6, 10),
});
const book = (b: { long: number; short: number; accounts: number; highLeverage: number }) => ({
  openInterest: { long: `${b.long}000000`, short: `${b.short}000000` },
  accounts: { long: b.accounts, short: b.accounts },
  concentration: { top1: 0.2, top10: 0.7 },
  leverage: [
    { leverage: 2, share: 0.5 },
    { leverage: b.highLeverage, share: 0.5 },
  ],
});
const secondMarketArb = fc.constantFrom('same', 'opposite').map((side) => ({ id: 'BTC', depth: '40000000', startPrice: '20000', book: { share: 0.5, side } }));

describe('engine runs under random schedules', () => {
  it('finish with every invariant held, both profiles', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...(Object.keys(BASES) as Array<keyof typeof BASES>)),
        fc.constantFrom('default', 'perp-v1'),
        fc.integer({ min: 1, max: 1_000_000 }),
        fc.array(eventArb, { maxLength: 3 }),
        fc.uniqueArray(migrationArb, { maxLength: 3, selector: (m) => m.minute }),
        fc.option(bookArb, { nil: undefined }),
        fc.option(secondMarketArb, { nil: undefined }),
        fc.array(faultArb, { maxLength: 3 }),
        clearingHouseArb,
        async (baseName, profile, seed, events, migrations, population, secondMarket, faults, clearingHouse) => {
          const base = BASES[baseName];
          const at = (minute: number) => dateAt(base.from, minute);
          const scenario = {
            ...bundled(base.file),
            name: 'engine-property',
            profile,
            seed,
            prices: { file: base.prices, gapPolicy: 'carry-forward', from: at(0), to: at(HOURS * 60) },
            invariants: 'block',
            ...(Object.keys(clearingHouse).length > 0 ? { clearingHouse } : {}),
            events: events.map((e) => ({ ...e, from: at(e.from), to: at(e.to) })),
            migrations: [...migrations].sort((a, b) => a.minute - b.minute).map((m) => ({ at: at(m.minute), multiplier: m.multiplier, remap: m.remap })),
            // A stated book needs cross margin: the default design's.
            ...(population && profile === 'default' ? { population: book(population), market: { id: 'ETH', depth: '40000000' } } : {}),
            ...(population && secondMarket && profile === 'default' ? { secondMarket } : {}),
            // Faults at the same moment keep their order (the schedule is stable by time).
            ...(faults.length > 0 ? { faults: faults.flat().sort((a, b) => a.at - b.at).map((f) => ({ ...f, at: at(f.at) })) } : {}),
          };
          const { summary } = await runSimulation(await resolveRun(parseRunScenario(JSON.stringify(scenario))));
          expect(summary.invariants.violations).toEqual({});
        },
      ),
      // A fixed seed in CI (a failure reproduces); hunt with other seeds and more runs.
      { numRuns: Number(process.env.VAMM_ENGINE_PROPERTY_RUNS ?? 16), seed: Number(process.env.VAMM_ENGINE_PROPERTY_SEED ?? 20261206) },
    );
  }, 900_000);
});
