/**
 * `vamm data oracle | facts | generate`: oracle-round synthesis and generated price paths.
 */
import type { Command } from 'commander';
import { registerDataOracleCommands } from './data-oracle.ts';
import { registerDataPathCommands } from './data-paths.ts';

export function registerDataModelCommands(data: Command): void {
  registerDataOracleCommands(data);
  registerDataPathCommands(data);
}
