/**
 * Exit statuses (the README's table) and the errors that map to them:
 *   0  everything ran and every check held;
 *   1  the work ran and a check failed: an expectation, an invariant, a divergence from the
 *      contracts, a finding no longer reproduced, a run or sweep point that failed, shards
 *      that disagree or miss points;
 *   2  the command could not start on what it was given: usage (unknown command or option,
 *      missing argument, bad flag value), an input file that is missing or invalid (located:
 *      file:line:column: field: reason), an output folder that cannot be written, a partial
 *      run where a finished one is needed, evidence the audit lacks;
 *   3  an internal error (a bug): the stack is printed;
 *   130 interrupted (SIGINT/SIGTERM): outputs already in place are left as they were.
 */
import { CommanderError } from 'commander';
import { InputError, InputErrors } from '../data/input-error.ts';
import { isModelError } from '../sim/errors.ts';

export const EXIT_OK = 0;
export const EXIT_FAILED_CHECKS = 1;
export const EXIT_BAD_INPUT = 2;
export const EXIT_INTERNAL = 3;
export const EXIT_INTERRUPTED = 130;

/** A check that failed after the work ran (exit 1), with what failed. */
export class CheckFailedError extends Error {
  override name = 'CheckFailedError';
}

/** Errors a user fixes in what they gave the command (exit 2), besides located input errors. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** Error classes of lower layers, matched by name (they cannot import the CLI). */
const BAD_INPUT_NAMES = new Set(['UnsupportedError', 'BrowserMissingError']);
const FAILED_CHECK_NAMES = new Set(['ShardMergeError']);

export function exitStatusOf(error: unknown): number {
  if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT_OK : EXIT_BAD_INPUT;
  if (error instanceof InputErrors || error instanceof InputError || error instanceof UsageError) return EXIT_BAD_INPUT;
  if (error instanceof Error && BAD_INPUT_NAMES.has(error.name)) return EXIT_BAD_INPUT;
  if (error instanceof CheckFailedError || isModelError(error) || (error instanceof Error && FAILED_CHECK_NAMES.has(error.name))) return EXIT_FAILED_CHECKS;
  return EXIT_INTERNAL;
}

export function handleCliError(error: unknown): number {
  const status = exitStatusOf(error);
  // Commander has printed its own message (and the help hint) already.
  if (error instanceof CommanderError) return status;
  if (error instanceof InputErrors || error instanceof InputError) process.stderr.write(`error: invalid input\n${error.message}\n`);
  else if (isModelError(error)) process.stderr.write(`error: the model reverted outside a step: ${error.message}\n`);
  else if (status !== EXIT_INTERNAL) process.stderr.write(`error: ${(error as Error).message}\n`);
  else process.stderr.write(`internal error (a bug in vamm-sim; please report it with this output): ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  return status;
}
