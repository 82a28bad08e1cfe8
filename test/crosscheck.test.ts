/**
 * The wei-exact cross-check in CI: the bundled whale-liquidation scenario and a differential fuzz
 * (random default-profile action sequences) replayed through the model and the Solidity contracts
 * on anvil, with zero divergence in every state field, revert reason and event.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Anvil } from '../contracts/harness/anvil.ts';
import { crashLog } from '../contracts/harness/crash-log.ts';
import { loadEngineLog } from '../contracts/harness/engine-log.ts';
import { parseRunScenario, resolveRun } from '../scenarios/run-loader.ts';
import { FileSink, MemorySink } from '../sim/engine/event-log.ts';
import { ROUTER_REASONS } from '../sim/engine/order-router.ts';
import { runSimulation } from '../sim/engine/run-simulation.ts';
import { readFileSync } from 'node:fs';
import { loadReplayInput, writeEventLog } from '../contracts/harness/input.ts';
import { replay } from '../contracts/harness/replay.ts';
import { loadScript } from '../scenarios/script-loader.ts';
import { RANDOM_HEADER, sampleRandom, scriptFromRandom } from './helpers/random-script.ts';
import { FAULT_HEADER, sampleFaults, scriptFromFaults } from './helpers/fault-script.ts';

const TIMEOUT = 300_000;

describe('cross-check: model vs contracts on anvil', () => {
  it('replays the whale-liquidation scenario with zero divergence', { timeout: TIMEOUT }, async () => {
    const report = await replay(loadReplayInput('scenarios/scripts/whale-liquidation.json'));
    expect(report.divergences).toEqual([]);
    expect(report.transactions).toBe(12);
    expect(report.gas.liquidate?.count).toBe(1);
  });

  it('replays every mechanism the random sequences do not reach with zero divergence', { timeout: TIMEOUT }, async () => {
    // fluctuation band and partial close, caps and whitelist, fast feed and staleness, parameter
    // changes, k migration (none and eager), repeg, AMM quotes, shutdown and settlement, and the
    // order of margin and fee when an isolated position reverses (BadDebt vs FreeCollateralNotEnough)
    const input = loadReplayInput('test/crosscheck/mechanisms.json');
    const report = await replay(input);
    expect(report.divergences).toEqual([]);
    expect(report.reverted).toBe(13);
    for (const op of ['shutdown', 'settlePosition', 'repeg', 'migrateLiquidity', 'setMarketParams', 'setParam', 'setFastPrice', 'setWhitelist']) {
      expect(report.gas[op]?.count, op).toBeGreaterThan(0);
    }
  });

  it('replays fault injection with zero divergence: oracle outages and bad answers, a close over the band, shutdown bad debt', { timeout: TIMEOUT }, async () => {
    const report = await replay(loadReplayInput('test/crosscheck/faults.json'));
    expect(report.divergences).toEqual([]);
    expect(report.reverted).toBe(8);
    for (const op of ['setOracleFault', 'liquidate', 'settlePosition', 'setWhitelist']) expect(report.gas[op]?.count, op).toBeGreaterThan(0);
  });

  it('replays the vault’s yield source and a paged k migration with zero divergence', { timeout: TIMEOUT }, async () => {
    const report = await replay(loadReplayInput('test/crosscheck/vault-and-migration.json'));
    expect(report.divergences).toEqual([]);
    expect(report.reverted).toBe(6);
    for (const op of ['depositToYield', 'recognizeYieldLoss', 'tripCircuitBreaker', 'yieldSourceLoss', 'remapPositions', 'deposit']) {
      expect(report.gas[op]?.count, op).toBeGreaterThan(0);
    }
  });

  it('an event log (timed actions) replays the same as its script', { timeout: TIMEOUT }, async () => {
    const script = loadScript('scenarios/scripts/whale-liquidation.json');
    // The same steps with explicit block numbers and timestamps, as the engine's log records them.
    let block = script.clock!.block;
    let time = script.clock!.timestamp;
    const actions = [];
    for (const step of script.steps) {
      if (step.action.name === 'advance') {
        time += step.action.args.seconds ?? 0;
        block += Math.max(1, Math.floor((step.action.args.seconds ?? 0) / 12));
        continue;
      }
      actions.push({ action: step.action, blockNumber: block, timestamp: time });
    }
    const report = await replay({ header: script, actions });
    expect(report.divergences).toEqual([]);
    expect(report.transactions).toBe(12);
  });

  it('replays a simulation run (the engine\'s event log) with zero divergence, reverting exactly where the run did', { timeout: TIMEOUT }, async () => {
    // Two hours of the bundled cross-check crash (the full day is > 8,000 transactions: vamm crosscheck).
    const scenario = JSON.parse(readFileSync('scenarios/runs/crosscheck-black-thursday.json', 'utf8'));
    scenario.prices = { ...scenario.prices, from: '2020-03-12T10:00', to: '2020-03-12T12:00' };
    const dir = mkdtempSync(join(tmpdir(), 'vamm-engine-log-'));
    const memory = new MemorySink();
    await runSimulation(await resolveRun(parseRunScenario(JSON.stringify(scenario))), { sinks: [new FileSink(join(dir, 'events.jsonl')), memory] });
    // What reached the protocol: not the orders an agent's router (or the sequencer sentinel) refused before calling it.
    const actions = memory.events.filter((e) => e.type === 'AgentAction' && !ROUTER_REASONS.has(e.reason as string));
    expect(memory.events.some((e) => e.type === 'AgentAction' && ROUTER_REASONS.has(e.reason as string))).toBe(true);
    const input = await loadEngineLog(join(dir, 'events.jsonl'));
    const report = await replay(input);
    expect(report.divergences).toEqual([]);
    // Every agent action that reached the protocol became a transaction, and the same ones reverted.
    expect(report.gas.openPosition?.count).toBeGreaterThan(100);
    const byOp = (op: string) => (report.gas[op]?.count ?? 0) + (report.gas[`${op} (reverted)`]?.count ?? 0);
    expect(byOp('openPosition') + byOp('closePosition') + byOp('liquidate') + byOp('settleFunding')).toBe(actions.length);
    expect(report.reverted).toBe(actions.filter((e) => !e.ok).length);
  });

  it('a run with injected faults (a feed outage, a lossy yield source, a dust flood) replays with zero divergence', { timeout: TIMEOUT }, async () => {
    const scenario = JSON.parse(readFileSync('scenarios/runs/crosscheck-black-thursday.json', 'utf8'));
    scenario.prices = { ...scenario.prices, from: '2020-03-12T10:00', to: '2020-03-12T11:30' };
    scenario.faults = [
      { at: '2020-03-12T10:05', setYieldSource: { maxLossRatio: '0.05' } },
      { at: '2020-03-12T10:05', depositToYield: { amount: '100000' } },
      { at: '2020-03-12T10:10', dustAccounts: { count: 20, amount: '0.000001' } },
      { at: '2020-03-12T10:20', setOracleFault: { market: 'ETH', fault: 'revert' } },
      { at: '2020-03-12T10:50', setOracleFault: { market: 'ETH', fault: 'none' } },
      { at: '2020-03-12T11:00', yieldSourceLoss: { amount: '10000' } },
      { at: '2020-03-12T11:05', tripCircuitBreaker: { by: 'guardian' } },
    ];
    const dir = mkdtempSync(join(tmpdir(), 'vamm-faults-log-'));
    const memory = new MemorySink();
    await runSimulation(await resolveRun(parseRunScenario(JSON.stringify(scenario))), { sinks: [new FileSink(join(dir, 'events.jsonl')), memory] });
    expect(memory.events.filter((e) => e.type === 'FaultInjected').map((e) => e.action)).toEqual(scenario.faults.map((f: Record<string, unknown>) => Object.keys(f).find((k) => k !== 'at')));
    expect(memory.events.some((e) => e.type === 'YieldLossRecognised')).toBe(true);
    const report = await replay(await loadEngineLog(join(dir, 'events.jsonl')));
    expect(report.divergences).toEqual([]);
    expect(report.gas.tripCircuitBreaker?.count).toBe(1);
  });

  it('replays a short crash log of the four agent kinds with zero divergence', { timeout: TIMEOUT }, async () => {
    const input = crashLog({ blocks: 400 });
    const report = await replay(input);
    expect(report.divergences).toEqual([]);
    expect(report.transactions).toBeGreaterThan(600);
    expect(report.gas.liquidate?.count).toBeGreaterThan(5);
    expect(report.gas.settleFunding?.count).toBeGreaterThan(0);
    expect(report.gas.setOraclePrice?.count).toBeGreaterThan(10);
  });

  for (const [seed, mix] of [[20261121, 'mixed'], [7, 'liquidations'], [42, 'mixed'], [99, 'liquidations']] as const) {
    it(`differential fuzz: random ${mix} sequence (seed ${seed}) agrees to the wei`, { timeout: TIMEOUT }, async () => {
      const actions = scriptFromRandom(sampleRandom(seed, 60, mix));
      const report = await replay({ header: RANDOM_HEADER, actions });
      expect(report.divergences).toEqual([]);
      expect(report.transactions).toBeGreaterThan(50);
      expect(report.reverted).toBeGreaterThan(0); // reverts are compared too
      expect(report.transactions - report.reverted).toBeGreaterThan(20);
    });
  }

  for (const seed of [17, 2026]) {
    it(`differential fuzz under injected faults (seed ${seed}) agrees to the wei`, { timeout: TIMEOUT }, async () => {
      // oracle faults and staleness, fast prices from the future, a band, a yield source's losses and
      // illiquidity and its breaker, dust floods, paged k migrations, a shutdown (test/helpers/fault-script.ts)
      const actions = scriptFromFaults(sampleFaults(seed, 60));
      const report = await replay({ header: FAULT_HEADER, actions });
      expect(report.divergences).toEqual([]);
      expect(report.transactions).toBeGreaterThan(50);
      expect(report.reverted).toBeGreaterThan(0);
    });
  }

  it('reports a divergence with the step, the field, both values and the reproducing actions', { timeout: TIMEOUT }, async () => {
    const input = loadReplayInput('scenarios/scripts/whale-liquidation.json');
    const report = await replay(input, {
      // A model whose fee differs from the deployed market's by one basis point.
      afterSetup: ({ ch }) => {
        const m = ch.market('ETH');
        m.params = { ...m.params, fees: { ...m.params.fees, feeRatio: m.params.fees.feeRatio + 10n ** 14n } };
      },
    });
    const first = report.divergences[0]!;
    expect(first.step).toBe(3); // the whale's open, the first trade
    expect(first.action).toBe('openPosition');
    expect(report.divergences.map((d) => d.field)).toContain('accounts.whale.collateral');
    const collateral = report.divergences.find((d) => d.field === 'accounts.whale.collateral')!;
    expect(BigInt(collateral.chain) - BigInt(collateral.model)).toBe(96n * 10n ** 18n); // 1 bp of 960,000
    expect(first.reproduce).toHaveLength(4);
    expect(first.reproduce[3]).toMatchObject({ openPosition: { trader: 'whale', side: 'long' } });
  });

  it('vamm crosscheck writes a crash event log and replays it from the file', { timeout: TIMEOUT }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vamm-crosscheck-'));
    const log = join(dir, 'crash.json');
    writeEventLog(log, crashLog({ blocks: 60 }));
    const fromFile = loadReplayInput(log);
    expect(fromFile.actions.every((a) => a.blockNumber !== undefined && a.timestamp !== undefined)).toBe(true);
    const cli = spawnSync(process.execPath, ['bin/vamm.mjs', 'crosscheck', log], { encoding: 'utf8', timeout: TIMEOUT });
    expect(cli.status, cli.stderr).toBe(0);
    expect(cli.stdout).toContain('divergences: none');
    expect(cli.stdout).toMatch(/openPosition\s+\d+ ×/);
  });

  it('compares the position views too: a model with another initial margin ratio differs only in free collateral', { timeout: TIMEOUT }, async () => {
    const input = loadReplayInput('scenarios/scripts/whale-liquidation.json');
    const report = await replay(input, {
      afterSetup: ({ ch }) => {
        (ch.params as { initMarginRatio: bigint }).initMarginRatio += 1n;
      },
    });
    const fields = new Set(report.divergences.map((d) => d.field));
    expect(fields.has('accounts.whale.positions.ETH.freeCollateral')).toBe(true);
    expect([...fields].every((f) => f.endsWith('.freeCollateral'))).toBe(true);
    expect(report.divergences[0]!.step).toBe(3);
  });

  it('--fork-url: deploys on a fork of another chain (here a local anvil standing in for an archive node)', { timeout: TIMEOUT }, async () => {
    const remote = await Anvil.start({ number: 5_000_000, timestamp: 1_600_000_000 });
    try {
      const report = await replay(loadReplayInput('scenarios/scripts/whale-liquidation.json'), { forkUrl: remote.url });
      expect(report.divergences).toEqual([]);
      expect(report.transactions).toBe(12);
    } finally {
      remote.stop();
    }
  });

  it('names a dead anvil instead of hanging or failing obscurely', { timeout: TIMEOUT }, async () => {
    const input = loadReplayInput('scenarios/scripts/whale-liquidation.json');
    await expect(replay(input, { afterSetup: (_world, chain) => chain.anvils.at(-1)!.stop() })).rejects.toThrow(/anvil exited/);
  });

  it('refuses what the contracts do not implement, up front', async () => {
    const input = loadReplayInput('scenarios/scripts/whale-liquidation.json');
    await expect(replay({ header: { ...input.header, profile: 'perp-v1' }, actions: input.actions })).rejects.toThrow(/default design/);
  });
});
