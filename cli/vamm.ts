/**
 * The `vamm` command. Each subcommand lives in cli/commands/ and registers itself here.
 * Input errors exit with status 2 and a located message; failed checks exit with status 1.
 */
import { Command } from 'commander';
import { registerCrosscheckCommand } from './commands/crosscheck.ts';
import { registerScriptCommand } from './commands/script.ts';
import { handleCliError } from './errors.ts';

const program = new Command()
  .name('vamm')
  .description('Agent-based simulator and backtester for vAMM perpetuals (Perpetual Protocol v1 design), exact to the wei')
  .showHelpAfterError();

registerScriptCommand(program);
registerCrosscheckCommand(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  process.exitCode = handleCliError(error);
}
