/**
 * Replay throughput against anvil beside the model's speed on the same event log: the crash log
 * of contracts/harness/crash-log.ts (four agent kinds, thousands of transactions) replayed through
 * the model and the contracts, the state compared once per mined block (the default) and, on the
 * same log in the same run, after every transaction (how every replay compared before).
 */
import { buildWorld, tryAction } from '../scenarios/script-runner.ts';
import { crashLog } from '../contracts/harness/crash-log.ts';
import { type GasStats, replay } from '../contracts/harness/replay.ts';

export interface CrosscheckBench {
  readonly log: string;
  readonly transactions: number;
  readonly divergences: number;
  /** State compared once per mined block. */
  readonly chainTransactionsPerSecond: number;
  /** The same log with the state compared after every transaction. */
  readonly perTransaction: { readonly transactionsPerSecond: number; readonly divergences: number };
  /** Transactions per mined block in the log. */
  readonly transactionsPerBlock: number;
  /** The same replay also comparing every open position's views after every step (a shorter log). */
  readonly withViews: { readonly blocks: number; readonly transactions: number; readonly divergences: number; readonly transactionsPerSecond: number };
  readonly modelActionsPerSecond: number;
  readonly ratio: number;
  readonly gas: Record<string, GasStats>;
}

/** Applies every action of the log to a fresh model, timed (median of 3). */
function modelSpeed(input: ReturnType<typeof crashLog>): number {
  const rates: number[] = [];
  for (let round = 0; round < 3; round++) {
    const world = buildWorld(input.header);
    const start = process.hrtime.bigint();
    for (const { action, blockNumber, timestamp } of input.actions) {
      if (blockNumber !== undefined) world.ch.clock.blockNumber = blockNumber;
      if (timestamp !== undefined) world.ch.clock.timestamp = timestamp;
      tryAction(world, action);
    }
    rates.push(input.actions.length / (Number(process.hrtime.bigint() - start) / 1e9));
  }
  return rates.sort((a, b) => a - b)[1]!;
}

export async function crosscheckThroughput(blocks = 4000): Promise<CrosscheckBench> {
  const input = crashLog({ blocks });
  const model = modelSpeed(input);
  const perTransaction = await replay(input, { views: false, compare: 'transaction' });
  const report = await replay(input, { views: false });
  const viewsBlocks = Math.min(blocks, 1000);
  const withViews = await replay(crashLog({ blocks: viewsBlocks }), { views: true });
  return {
    perTransaction: { transactionsPerSecond: perTransaction.transactionsPerSecond, divergences: perTransaction.divergences.length },
    transactionsPerBlock: report.transactions / report.blocks,
    withViews: {
      blocks: viewsBlocks,
      transactions: withViews.transactions,
      divergences: withViews.divergences.length,
      transactionsPerSecond: withViews.transactionsPerSecond,
    },
    log: report.name,
    transactions: report.transactions,
    divergences: report.divergences.length,
    chainTransactionsPerSecond: report.transactionsPerSecond,
    modelActionsPerSecond: model,
    ratio: model / report.transactionsPerSecond,
    gas: report.gas,
  };
}
