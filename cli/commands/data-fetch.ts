/**
 * `vamm data fetch candles | chainlink`: download prices into the normalised formats.
 */
import type { Command } from 'commander';

export function registerDataFetchCommands(_data: Command): void {}
