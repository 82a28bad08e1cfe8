/**
 * Validates located JSON against a zod schema, turning every issue into an InputError that
 * names the file, line, column, field path and reason.
 */
import { readFileSync } from 'node:fs';
import type { z } from 'zod';
import { InputError, InputErrors } from '../data/input-error.ts';
import { type LocatedJson, formatPath, parseLocatedJson, positionOf } from './json-source.ts';

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

/** A user's input file as text, or an input error naming it ("cannot read the <what>: why"). */
export function readInputText(file: string, what: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    throw new InputError({ file }, `cannot read the ${what}: ${(e as Error).message}`);
  }
}

/**
 * JSON text validated against a schema: the data with a reporter for further checks (located
 * at the same file), or every schema problem at once as located input errors.
 */
export function parseLocatedWith<S extends z.ZodType>(schema: S, text: string, file: string): { data: z.output<S>; reporter: LocatedReporter } {
  const json = parseLocatedJson(text, file);
  const reporter = new LocatedReporter(json, file);
  const parsed = schema.safeParse(json.value);
  if (!parsed.success) {
    reporter.collect(parsed.error.issues);
    throw new InputErrors(reporter.errors);
  }
  return { data: parsed.data, reporter };
}
