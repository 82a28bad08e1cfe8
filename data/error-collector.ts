/**
 * Collects located input errors during one pass over a file, so the user sees every problem
 * (up to a limit) at once; the loader throws them together and returns nothing half-loaded.
 */
import { InputError, InputErrors, type InputLocation } from './input-error.ts';

export class ErrorCollector {
  readonly errors: InputError[] = [];
  private more = 0;

  constructor(
    readonly file: string,
    readonly limit = 20,
  ) {}

  add(at: Omit<InputLocation, 'file'>, reason: string): void {
    if (this.errors.length < this.limit) this.errors.push(new InputError({ file: this.file, ...at }, reason));
    else this.more++;
  }

  get count(): number {
    return this.errors.length + this.more;
  }

  /** Throws everything collected, if anything was. */
  throwIfAny(): void {
    if (this.errors.length === 0) return;
    const all = [...this.errors];
    if (this.more > 0) all.push(new InputError({ file: this.file }, `… and ${this.more} more error${this.more === 1 ? '' : 's'}`));
    throw all.length === 1 ? (all[0] as InputError) : new InputErrors(all);
  }
}
