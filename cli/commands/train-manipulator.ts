/**
 * `vamm train manipulator`: trains the adaptive manipulator's policy with the cross-entropy
 * method on windows of 5-minute candles (training windows from 2022, held-out windows from
 * 2023) at one funding cap and depth, compares it with the parametric grid search on the same
 * windows, and saves the policy (tfjs format) with every setting and result.
 */
import { join, relative } from 'node:path';
import type { Command } from 'commander';
import { DEFAULT_POLICY_DIR } from '../../agents/adaptive-manipulator.ts';
import { DEFAULT_GRID, parametricSearch } from '../../agents/manipulator-grid.ts';
import { DEFAULT_ARBITRAGE, type EpisodeResult, ManipulatorEnv, drawWindows, population as honestAgents } from '../../agents/manipulator-env.ts';
import { DEFAULT_AGENT_SETTINGS, DEFAULT_CEM, savePolicy, trainManipulatorPolicy } from '../../agents/manipulator-training.ts';
import { seedFrom } from '../../data/prng.ts';
import { progressBar } from '../progress.ts';
import { dataFlag, emit, numberOption, timeOption } from './data-io.ts';
import { type ModelOutputFlags, stageModelOutput } from './model-output.ts';

const DEFAULTS = {
  file: 'eth_usdt_binance_spot_5m_2022',
  trainFrom: '2022-01-01',
  trainTo: '2023-01-01',
  testFrom: '2023-01-01',
  testTo: '2023-09-27',
  days: '2',
  episodes: '3',
  testEpisodes: '3',
  depth: '5000000',
  cap: '0.001',
  capital: '200000',
} as const;

interface Opts extends ModelOutputFlags {
  seed: string;
  iterations: string;
  population: string;
  file: string;
  trainFrom: string;
  trainTo: string;
  testFrom: string;
  testTo: string;
  days: string;
  episodes: string;
  testEpisodes: string;
  depth: string;
  cap: string;
  capital: string;
  arbitrageurs: string;
  arbCapital: string;
  arbLatency: string;
  compare: boolean;
  json?: boolean;
  quiet?: boolean;
}

const usd = (x: number) => `${x < 0 ? '−' : ''}$${Math.abs(x).toLocaleString('en-US', { maximumFractionDigits: 0 })}`;
const summarise = (rs: readonly EpisodeResult[]) => rs.map((r) => ({ from: r.window.from, net: Math.round(r.net), funding: Math.round(r.funding), fees: Math.round(r.fees), actions: r.actions }));

export function registerTrainManipulatorCommand(train: Command): void {
  train
    .command('manipulator')
    .description('the adaptive manipulator\'s policy, by the cross-entropy method against short simulations at one funding cap and depth')
    .option('--seed <seed>', 'seed (a number or a word)', '1')
    .option('--iterations <n>', 'CEM iterations', String(DEFAULT_CEM.iterations))
    .option('--population <n>', 'candidates per iteration', String(DEFAULT_CEM.population))
    .option('--out <dir>', 'where to save the policy (default: runs/models/adaptive-manipulator-seed<seed>, a new folder)')
    .option('--replace-shipped', 'overwrite the shipped policy that the adaptive-manipulator agent uses by default')
    .option('--file <candles>', 'candles the windows are cut from', DEFAULTS.file)
    .option('--train-from <time>', 'training windows start in [train-from, train-to)', DEFAULTS.trainFrom)
    .option('--train-to <time>', '', DEFAULTS.trainTo)
    .option('--test-from <time>', 'held-out windows start in [test-from, test-to)', DEFAULTS.testFrom)
    .option('--test-to <time>', '', DEFAULTS.testTo)
    .option('--days <n>', 'length of each window (days)', DEFAULTS.days)
    .option('--episodes <n>', 'training windows', DEFAULTS.episodes)
    .option('--test-episodes <n>', 'held-out windows', DEFAULTS.testEpisodes)
    .option('--depth <usd>', 'vAMM quote reserve', DEFAULTS.depth)
    .option('--cap <ratio>', 'funding cap per 8 h (0.001 = 0.1 %)', DEFAULTS.cap)
    .option('--capital <usd>', 'the manipulator\'s collateral', DEFAULTS.capital)
    .option('--arbitrageurs <n>', 'honest arbitrageurs in the market', String(DEFAULT_ARBITRAGE.count))
    .option('--arb-capital <usd>', 'collateral of each arbitrageur', String(DEFAULT_ARBITRAGE.capital))
    .option('--arb-latency <s>', 'arbitrageurs\' latency (seconds)', String(DEFAULT_ARBITRAGE.latency))
    .option('--no-compare', 'skip the parametric grid search')
    .option('--json', 'print the result as JSON')
    .option('-q, --quiet', 'no progress on stderr')
    .action(async (opts: Opts, cmd: Command) => {
      const started = performance.now();
      const int = (name: string, v: string) => numberOption(name, v, (n) => Number.isInteger(n) && n > 0) as number;
      const pos = (name: string, v: string) => numberOption(name, v, (n) => n > 0) as number;
      const seed = seedFrom(/^\d+$/.test(opts.seed) ? Number(opts.seed) : opts.seed);
      const iterations = int('--iterations', opts.iterations);
      const population = int('--population', opts.population);
      const days = pos('--days', opts.days);
      const nTrain = int('--episodes', opts.episodes);
      const nTest = numberOption('--test-episodes', opts.testEpisodes, (n) => Number.isInteger(n) && n >= 0) as number;
      const t = (name: string, v: string) => timeOption(name, v) as number;
      const windows = [
        ...drawWindows(t('--train-from', opts.trainFrom), t('--train-to', opts.trainTo), days, nTrain, seedFrom(`${seed}/train-windows`)),
        ...drawWindows(t('--test-from', opts.testFrom), t('--test-to', opts.testTo), days, nTest, seedFrom(`${seed}/test-windows`)),
      ];
      const trainEpisodes = windows.slice(0, nTrain).map((_, i) => i);
      const testEpisodes = windows.slice(nTrain).map((_, i) => nTrain + i);
      const envSettings = {
        file: opts.file,
        windows,
        depth: pos('--depth', opts.depth),
        fundingCap: pos('--cap', opts.cap),
        capital: pos('--capital', opts.capital),
        population: honestAgents({
          count: numberOption('--arbitrageurs', opts.arbitrageurs, (n) => Number.isInteger(n) && n >= 0) as number,
          capital: pos('--arb-capital', opts.arbCapital),
          latency: numberOption('--arb-latency', opts.arbLatency, (n) => n >= 0) as number,
        }),
        seed,
        invariants: 'off' as const,
      };
      // Checked before hours of training: the folder (never the shipped policy unless asked) can be written.
      const staged = stageModelOutput(opts, DEFAULT_POLICY_DIR, join('runs', 'models', `adaptive-manipulator-seed${opts.seed}`));
      const data = dataFlag(cmd);
      const env = await ManipulatorEnv.create(envSettings, data ? { dataDir: data } : {});
      const bar = progressBar('train manipulator', opts.quiet || opts.json === true);
      const cem = { ...DEFAULT_CEM, iterations, population, seed: seedFrom(`${seed}/cem`) };
      const trained = await trainManipulatorPolicy(env, {
        trainEpisodes,
        testEpisodes,
        cem,
        agent: DEFAULT_AGENT_SETTINGS,
        onIteration: (it) => bar.update((it.iteration + 1) / (iterations + (opts.compare ? 4 : 0)), `iteration ${it.iteration + 1}/${iterations} best ${usd(it.best)} elite ${usd(it.eliteMean)}`),
      });
      const trainingSeconds = trained.seconds;
      let comparison = null;
      if (opts.compare) {
        const grid = await parametricSearch(env, DEFAULT_GRID, trainEpisodes, (done, total) => bar.update((iterations + (4 * done) / total) / (iterations + 4), `grid ${done}/${total}`));
        const best = grid[0] as (typeof grid)[number];
        const bestTest = testEpisodes.length > 0 ? await env.evaluate({ kind: 'manipulator', params: best.params }, testEpisodes) : null;
        comparison = {
          gridPoints: grid.length,
          best: { params: best.params, train: Math.round(best.mean), test: bestTest ? Math.round(bestTest.mean) : null, trainEpisodes: summarise(best.results), testEpisodes: bestTest ? summarise(bestTest.results) : [] },
          worst: { params: grid.at(-1)?.params, train: Math.round(grid.at(-1)?.mean ?? 0) },
          positiveOnTrain: grid.filter((g) => g.mean > 0).length,
        };
      }
      bar.stop();
      const result = {
        settings: { env: { ...envSettings, windows }, cem, agent: DEFAULT_AGENT_SETTINGS, trainEpisodes, testEpisodes },
        adaptive: {
          train: Math.round(trained.trainScore),
          test: trained.testScore === null ? null : Math.round(trained.testScore),
          bestCandidateOnTrain: Math.round(trained.bestCandidateScore),
          chosen: trained.chosen,
          trainEpisodes: summarise(trained.trainResults),
          testEpisodes: summarise(trained.testResults),
          iterations: trained.history.map((h) => ({ best: Math.round(h.best), eliteMean: Math.round(h.eliteMean), meanStd: Math.round(h.meanStd * 1000) / 1000 })),
          episodesRun: trained.episodesRun,
        },
        parametric: comparison,
        trainingSeconds: Math.round(trainingSeconds * 10) / 10,
        totalSeconds: 0,
      };
      result.totalSeconds = Math.round((performance.now() - started) / 100) / 10;
      let check: Awaited<ReturnType<typeof savePolicy>>;
      try {
        check = await savePolicy(trained.weights, staged.path, { ...result, seed: opts.seed }, seed);
        staged.commit();
      } catch (error) {
        staged.discard();
        throw error;
      }
      const saved = relative(process.cwd(), staged.target) || '.';
      const out = { out: saved, backend: check.backend, tfjsCheck: check, ...result };
      emit({ json: opts.json }, out, () =>
        [
          `adaptive manipulator, cap ${opts.cap}/8h, depth ${usd(envSettings.depth)}, capital ${usd(envSettings.capital)}: CEM ${iterations}×${population} on ${nTrain} training windows of ${days} d (seed ${opts.seed}), ${trained.episodesRun} episodes in ${trainingSeconds.toFixed(0)} s; tfjs backend ${check.backend} (policy check max |Δ| ${check.maxAbsDiff.toExponential(1)})`,
          `mean hedged net profit per window — adaptive: training ${usd(trained.trainScore)}, held out ${trained.testScore === null ? '–' : usd(trained.testScore)}`,
          ...(comparison
            ? [
                `parametric grid (${comparison.gridPoints} points, chosen on the training windows; ${comparison.positiveOnTrain} profitable there): best training ${usd(comparison.best.train)}, held out ${comparison.best.test === null ? '–' : usd(comparison.best.test)}`,
                `  best point: ${JSON.stringify(comparison.best.params)}`,
              ]
            : []),
          `saved to ${saved} (total ${result.totalSeconds} s)`,
          '',
        ].join('\n'),
      );
    });
}
