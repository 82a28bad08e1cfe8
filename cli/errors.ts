/** Turns errors into exit codes and readable messages: input errors are the user's to fix. */
import { InputError, InputErrors } from '../data/input-error.ts';
import { isModelError } from '../sim/errors.ts';

export const EXIT_FAILED_CHECKS = 1;
export const EXIT_BAD_INPUT = 2;
export const EXIT_INTERNAL = 3;

export function handleCliError(error: unknown): number {
  if (error instanceof InputErrors || error instanceof InputError) {
    process.stderr.write(`error: invalid input\n${error.message}\n`);
    return EXIT_BAD_INPUT;
  }
  if (isModelError(error)) {
    process.stderr.write(`error: the model reverted outside a step: ${error.message}\n`);
    return EXIT_FAILED_CHECKS;
  }
  process.stderr.write(`internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  return EXIT_INTERNAL;
}
