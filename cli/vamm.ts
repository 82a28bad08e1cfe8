/**
 * The `vamm` command. Each subcommand lives in cli/commands/ and registers itself here.
 * Exit statuses are cli/errors.ts's (the README's table): 0 ok, 1 a failed check, 2 bad input
 * or usage (commander's own errors included), 3 a bug, 130 interrupted.
 */
import { dirname, resolve } from 'node:path';
import { Command } from 'commander';
import { checkWritableFolder } from '../data/staged-folder.ts';
import { registerAuditCommand } from './commands/audit.ts';
import { registerCalibrateCommand } from './commands/calibrate.ts';
import { registerDataCommand } from './commands/data.ts';
import { registerLivenessCommand } from './commands/liveness.ts';
import { registerReportCommand } from './commands/report.ts';
import { registerRunCommand } from './commands/run.ts';
import { registerCrosscheckCommand } from './commands/crosscheck.ts';
import { registerScriptCommand } from './commands/script.ts';
import { registerStudyCommands } from './commands/study.ts';
import { registerTrainCommand } from './commands/train.ts';
import { handleCliError } from './errors.ts';

const program = new Command()
  .name('vamm')
  .description('Agent-based simulator and backtester for vAMM perpetuals (Perpetual Protocol v1 design), exact to the wei')
  .showHelpAfterError()
  // Before any subcommand is added, so they inherit it: commander's usage errors become
  // exceptions that handleCliError maps to status 2 (commander itself would exit 1).
  .exitOverride()
  // Every command that writes to --out finds out before its work whether it can (exit 2 if not);
  // the commands check more where they know more (a folder they replace, a file they append to).
  .hook('preAction', (_program, command) => {
    const out = (command.opts() as { out?: unknown }).out;
    if (typeof out === 'string') checkWritableFolder(dirname(resolve(out)), '--out');
  });

registerScriptCommand(program);
registerRunCommand(program);
registerCalibrateCommand(program);
registerReportCommand(program);
registerAuditCommand(program);
registerDataCommand(program);
registerStudyCommands(program);
registerTrainCommand(program);
registerCrosscheckCommand(program);
registerLivenessCommand(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  process.exitCode = handleCliError(error);
}
