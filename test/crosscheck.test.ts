/**
 * The wei-exact cross-check in CI: the bundled whale-liquidation scenario and a differential fuzz
 * (random default-profile action sequences) replayed through the model and the Solidity contracts
 * on anvil, with zero divergence in every state field, revert reason and event.
 */
import { describe, expect, it } from 'vitest';
import { loadReplayInput } from '../contracts/harness/input.ts';
import { replay } from '../contracts/harness/replay.ts';
import { loadScript } from '../scenarios/script-loader.ts';
import { RANDOM_HEADER, sampleRandom, scriptFromRandom } from './helpers/random-script.ts';

const TIMEOUT = 300_000;

describe('cross-check: model vs contracts on anvil', () => {
  it('replays the whale-liquidation scenario with zero divergence', { timeout: TIMEOUT }, async () => {
    const report = await replay(loadReplayInput('scenarios/scripts/whale-liquidation.json'));
    expect(report.divergences).toEqual([]);
    expect(report.transactions).toBe(12);
    expect(report.gas.liquidate?.count).toBe(1);
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

  for (const [seed, mix] of [[20261121, 'mixed'], [7, 'liquidations']] as const) {
    it(`differential fuzz: random ${mix} sequence (seed ${seed}) agrees to the wei`, { timeout: TIMEOUT }, async () => {
      const actions = scriptFromRandom(sampleRandom(seed, 45, mix));
      const report = await replay({ header: RANDOM_HEADER, actions });
      expect(report.divergences).toEqual([]);
      expect(report.transactions).toBeGreaterThan(40);
      expect(report.reverted).toBeGreaterThan(0); // reverts are compared too
      expect(report.transactions - report.reverted).toBeGreaterThan(20);
    });
  }

  it('refuses what the contracts do not implement, up front', async () => {
    const input = loadReplayInput('scenarios/scripts/whale-liquidation.json');
    await expect(replay({ header: { ...input.header, profile: 'perp-v1' }, actions: input.actions })).rejects.toThrow(/default design/);
  });
});
