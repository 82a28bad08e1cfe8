/**
 * The `vamm` command. Each subcommand lives in cli/commands/ and registers itself here.
 * Input errors exit with status 2 and a located message; failed checks exit with status 1.
 */
import { Command } from 'commander';
import { registerAuditCommand } from './commands/audit.ts';
import { registerDataCommand } from './commands/data.ts';
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
  .showHelpAfterError();

registerScriptCommand(program);
registerRunCommand(program);
registerReportCommand(program);
registerAuditCommand(program);
registerDataCommand(program);
registerStudyCommands(program);
registerTrainCommand(program);
registerCrosscheckCommand(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  process.exitCode = handleCliError(error);
}
