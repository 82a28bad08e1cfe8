/**
 * `vamm data …`: what price data there is, validating and showing files, composing a backtest
 * series, synthesising and checking oracle rounds, generator facts and paths, and fetching.
 * Computing commands can write JSON (`--json` on stdout, or `--out`); progress goes to stderr.
 */
import type { Command } from 'commander';
import { registerDataFetchCommands } from './data-fetch.ts';
import { registerDataFileCommands } from './data-files.ts';
import { registerDataModelCommands } from './data-models.ts';

export function registerDataCommand(program: Command): void {
  const data = program
    .command('data')
    .description('historical ETH prices: list, validate, show, compose, oracle synthesis, generators, fetch')
    .option('--data <dir>', 'price-data folder (default: $VAMM_DATA_DIR, then ../shared/data/eth)');
  registerDataFileCommands(data);
  registerDataModelCommands(data);
  registerDataFetchCommands(data);
}
