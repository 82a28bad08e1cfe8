/**
 * Validates located JSON against a zod schema, turning every issue into an InputError that
 * names the file, line, column, field path and reason.
 */
import type { z } from 'zod';
import { InputError } from '../data/input-error.ts';
import { type LocatedJson, formatPath, positionOf } from './json-source.ts';

export class LocatedReporter {
  readonly errors: InputError[] = [];

  constructor(
    private readonly json: LocatedJson,
    private readonly file: string,
  ) {}

  report(path: ReadonlyArray<string | number>, reason: string): void {
    const at = positionOf(this.json, path);
    this.errors.push(new InputError({ file: this.file, line: at?.line, column: at?.column, field: formatPath(path) || '(root)' }, reason));
  }

  collect(issues: readonly z.core.$ZodIssue[], prefix: ReadonlyArray<string | number> = []): void {
    for (const issue of issues) this.report([...prefix, ...(issue.path as Array<string | number>)], issue.message);
  }
}
