/**
 * `vamm data oracle | facts | generate`: oracle-round synthesis and generated price paths.
 */
import type { Command } from 'commander';

export function registerDataModelCommands(_data: Command): void {}
