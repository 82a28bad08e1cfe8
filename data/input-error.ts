/**
 * An error in a user's input file, located: which file, line and column, which field, and
 * why. Every loader (scenario JSON, price CSV) reports bad input through it.
 */
export interface InputLocation {
  readonly file: string;
  readonly line?: number;
  readonly column?: number;
  /** The field: a JSON path (`steps[3].openPosition.margin`) or a CSV column name. */
  readonly field?: string;
}

export class InputError extends Error {
  override name = 'InputError';
  constructor(
    readonly location: InputLocation,
    readonly reason: string,
  ) {
    super(InputError.format(location, reason));
  }

  static format(at: InputLocation, reason: string): string {
    const place = at.line === undefined ? at.file : `${at.file}:${at.line}${at.column === undefined ? '' : `:${at.column}`}`;
    return `${place}: ${at.field ? `${at.field}: ` : ''}${reason}`;
  }
}

/** Several input errors found in one pass, reported together. */
export class InputErrors extends Error {
  override name = 'InputErrors';
  constructor(readonly errors: readonly InputError[]) {
    super(errors.map((e) => e.message).join('\n'));
  }
}
