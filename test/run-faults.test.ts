/**
 * Faults injected into a run (`"faults"` in a run scenario, scenarios/fault-schedule.ts): the
 * engine applies each at its time, logs it (the chain replay turns it into a step), and logs one
 * the protocol refuses instead of failing the run; bad entries are refused with their place.
 */
import { describe, expect, it } from 'vitest';
import { InputError, InputErrors } from '../data/input-error.ts';
import { parseRunScenario, resolveRun } from '../scenarios/run-loader.ts';
import { type LoggedEvent, MemorySink } from '../sim/engine/event-log.ts';
import { runSimulation } from '../sim/engine/run-simulation.ts';

const scenario = (faults: unknown[]) => ({
  name: 'faults',
  profile: 'default',
  market: { id: 'ETH', depth: '5000000' },
  prices: { file: 'w5_ftx', gapPolicy: 'carry-forward', from: '2022-11-08T00:00', to: '2022-11-08T12:00' },
  insuranceFund: '1000000',
  invariants: 'block',
  faults,
  agents: [
    { kind: 'noise', count: 10, capital: '20000', params: { meanInterval: 1800 } },
    { kind: 'arbitrageur', count: 1, capital: '2000000', params: { interval: 60 } },
    { kind: 'liquidator', count: 1, capital: '100' },
    { kind: 'keeper', count: 1, capital: '100' },
  ],
});

const of = (events: LoggedEvent[], type: string) => events.filter((e) => e.type === type);

function errorsOf(text: string): string[] {
  try {
    parseRunScenario(text, 'f.json');
  } catch (e) {
    if (e instanceof InputErrors) return e.errors.map((x) => x.message);
    throw e;
  }
  return [];
}

describe('faults injected into a run', () => {
  it('applies each at its time: a feed outage stops funding, a yield loss is charged to the fund', async () => {
    const sink = new MemorySink();
    const { summary } = await runSimulation(
      await resolveRun(
        parseRunScenario(
          JSON.stringify(
            scenario([
              { at: '2022-11-08T01:00', setYieldSource: { maxLossRatio: '0.05' } },
              { at: '2022-11-08T01:00', depositToYield: { amount: '1000000' } },
              { at: '2022-11-08T02:00', setOracleFault: { market: 'ETH', fault: 'revert' } },
              { at: '2022-11-08T05:00', setOracleFault: { market: 'ETH', fault: 'none' } },
              { at: '2022-11-08T06:00', yieldSourceLoss: { amount: '100000' } },
              { at: '2022-11-08T06:00', tripCircuitBreaker: { by: 'keeper' } },
              { at: '2022-11-08T07:00', tripCircuitBreaker: { by: 'keeper' } },
            ]),
          ),
        ),
      ),
      { sinks: [sink] },
    );
    const e = sink.events;
    expect(of(e, 'FaultInjected').map((x) => x.action)).toEqual(['setYieldSource', 'depositToYield', 'setOracleFault', 'setOracleFault', 'yieldSourceLoss', 'tripCircuitBreaker']);
    // The second trip is refused (the source is detached: no loss, and keeper is no guardian) and logged, not fatal.
    expect(of(e, 'AdminActionFailed')).toMatchObject([{ action: 'tripCircuitBreaker', reason: 'Unauthorized' }]);
    expect(of(e, 'YieldLossRecognised')).toMatchObject([{ loss: '100000000000000000000000', coveredByInsuranceFund: '100000000000000000000000', shortfall: '0' }]); // logged as decimal strings
    const outage = (x: LoggedEvent) => x.timestamp >= Date.parse('2022-11-08T02:00Z') / 1000 && x.timestamp < Date.parse('2022-11-08T05:00Z') / 1000;
    // While the Chainlink feed reverts, funding cannot settle (its index is Chainlink's); the fast
    // feed keeps the market fresh, so trading goes on.
    const funding = of(e, 'AgentAction').filter((x) => outage(x) && x.action === 'settleFunding');
    expect(funding.length).toBeGreaterThan(0);
    expect(funding.every((x) => !x.ok && x.reason === 'OracleStale')).toBe(true);
    expect(of(e, 'AgentAction').filter((x) => outage(x) && x.action === 'open' && x.ok).length).toBeGreaterThan(0);
    expect(summary.invariants.violations).toEqual({});
  });

  it('refuses a bad entry with its place, and one outside the prices', async () => {
    expect(errorsOf(JSON.stringify(scenario([{ at: '2022-11-08T01:00', openPosition: { trader: 'a', market: 'ETH' } }])))).toEqual([
      expect.stringMatching(/faults\[0\]\.openPosition: not a fault action/),
    ]);
    expect(errorsOf(JSON.stringify(scenario([{ at: '2022-11-08T01:00', setOracleFault: { market: 'ETH', fault: 'maybe' } }])))).toEqual([expect.stringMatching(/faults\[0\]\.setOracleFault\.fault: /)]);
    expect(errorsOf(JSON.stringify(scenario([{ at: 'soon', recognizeYieldLoss: {} }])))).toEqual([expect.stringMatching(/faults\[0\]\.at: unix seconds/)]);
    const outside = parseRunScenario(JSON.stringify(scenario([{ at: '2022-11-09T01:00', recognizeYieldLoss: {} }])));
    await expect(resolveRun(outside, { file: 'f.json' })).rejects.toThrow(InputError);
  });
});
