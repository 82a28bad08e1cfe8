/**
 * Independent runs on the worker pool: results equal a run in this thread, a failing run and a
 * hung run are reported with their scenario and seed, and the rest of the batch completes. A
 * worker parses a batch's text once (`lastParse`): runs from its copies equal fresh ones.
 */
import { describe, expect, it } from 'vitest';
import { runBatch } from '../scenarios/batch.ts';
import { lastParse } from '../scenarios/last-parse.ts';
import { parseRunScenario, resolveRun } from '../scenarios/run-loader.ts';
import { runSimulation } from '../sim/engine/run-simulation.ts';

const text = (file = 'w1_black_thursday') =>
  JSON.stringify({
    name: 'batch-test',
    profile: 'default',
    market: { id: 'ETH', depth: '5000000' },
    prices: { file, gapPolicy: 'carry-forward', from: '2020-03-12T00:00', to: '2020-03-12T06:00' },
    insuranceFund: '10000',
    agents: [
      { kind: 'noise', count: 5, capital: '10000', params: { meanInterval: 900 } },
      { kind: 'arbitrageur', count: 1, capital: '100000' },
      { kind: 'liquidator', count: 1, capital: '100' },
      { kind: 'keeper', count: 1, capital: '100' },
    ],
  });

describe('batch runs on the worker pool', () => {
  it('completes the batch, reporting the failed and the hung run with scenario and seed', async () => {
    const outcomes = await runBatch(
      [
        { scenarioText: text(), file: 'good.json', seed: 1 },
        { scenarioText: text('no_such_window'), file: 'bad.json', seed: 2 },
        { scenarioText: text(), file: 'slow.json', seed: 3, timeoutMs: 1 },
        { scenarioText: text(), file: 'good.json', seed: 4 },
      ],
      { threads: 2 },
    );
    expect(outcomes.map((o) => o.ok)).toEqual([true, false, false, true]);
    const [, bad, slow] = outcomes;
    expect(bad).toMatchObject({ ok: false, timedOut: false });
    expect(bad!.ok ? '' : bad!.error).toMatch(/^bad\.json seed 2: .*no_such_window/);
    expect(slow).toMatchObject({ ok: false, timedOut: true });
    expect(slow!.ok ? '' : slow!.error).toMatch(/^slow\.json seed 3: no result within 1 ms/);
  }, 120_000);

  it('gives the same summary as a run in this thread', async () => {
    const [pooled] = await runBatch([{ scenarioText: text(), file: 'good.json', seed: 5 }], { threads: 1 });
    const { summary } = await runSimulation(await resolveRun(parseRunScenario(text()), { seed: 5 }));
    expect(pooled!.ok && pooled!.summary).toEqual(summary);
  }, 120_000);

  it("logs from a worker's parsed copies what runs from fresh parses log", async () => {
    const lines = async (scenario: ReturnType<typeof parseRunScenario>, seed: number) => {
      const out: string[] = [];
      await runSimulation(await resolveRun(scenario, { seed }), { sinks: [{ needsLine: true, write: (_e, line) => void out.push(line), close() {} }] });
      return out;
    };
    const parse = lastParse(parseRunScenario);
    for (const seed of [1, 2]) expect(await lines(parse(text(), 'f.json'), seed)).toEqual(await lines(parseRunScenario(text(), 'f.json'), seed));
  }, 120_000);

  it('gives for seeds of one text on one worker (parsed once) the summaries runs in this thread give', async () => {
    const seeds = [3, 4, 5];
    const pooled = await runBatch(
      seeds.map((seed) => ({ scenarioText: text(), file: 'f.json', seed })),
      { threads: 1 },
    );
    for (const [k, seed] of seeds.entries()) {
      const { summary } = await runSimulation(await resolveRun(parseRunScenario(text(), 'f.json'), { seed }));
      expect(pooled[k]!.ok && pooled[k]!.summary).toEqual(summary);
    }
  }, 120_000);
});
