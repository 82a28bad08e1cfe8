/**
 * JSON parsing that remembers where each value came from, so a validation error can name the
 * line and column of the offending field, not only its path.
 */
import { InputError } from '../data/input-error.ts';

export interface SourcePosition {
  readonly line: number;
  readonly column: number;
}

export interface LocatedJson {
  readonly value: unknown;
  /** Position of each value by path (`steps[3].openPosition.margin`; '' is the root). */
  readonly positions: ReadonlyMap<string, SourcePosition>;
}

export function formatPath(path: ReadonlyArray<string | number>): string {
  let out = '';
  for (const part of path) out += typeof part === 'number' ? `[${part}]` : out ? `.${part}` : part;
  return out;
}

export function parseLocatedJson(text: string, file: string): LocatedJson {
  const positions = new Map<string, SourcePosition>();
  let i = 0;
  let line = 1;
  let lineStart = 0;
  const here = (): SourcePosition => ({ line, column: i - lineStart + 1 });
  const fail = (reason: string): never => {
    const p = here();
    throw new InputError({ file, line: p.line, column: p.column }, `invalid JSON: ${reason}`);
  };
  const skip = () => {
    for (;;) {
      const c = text[i];
      if (c === '\n') {
        i++;
        line++;
        lineStart = i;
      } else if (c === ' ' || c === '\t' || c === '\r') i++;
      else break;
    }
  };
  const value = (path: Array<string | number>): unknown => {
    skip();
    positions.set(formatPath(path), here());
    const c = text[i];
    if (c === '{') {
      i++;
      const obj: Record<string, unknown> = {};
      skip();
      if (text[i] === '}') {
        i++;
        return obj;
      }
      for (;;) {
        skip();
        if (text[i] !== '"') fail('expected a property name in double quotes');
        const key = string();
        skip();
        if (text[i] !== ':') fail(`expected ':' after "${key}"`);
        i++;
        if (Object.hasOwn(obj, key)) fail(`duplicate key "${key}"`);
        obj[key] = value([...path, key]);
        skip();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === '}') {
          i++;
          return obj;
        }
        fail("expected ',' or '}'");
      }
    }
    if (c === '[') {
      i++;
      const arr: unknown[] = [];
      skip();
      if (text[i] === ']') {
        i++;
        return arr;
      }
      for (;;) {
        arr.push(value([...path, arr.length]));
        skip();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === ']') {
          i++;
          return arr;
        }
        fail("expected ',' or ']'");
      }
    }
    if (c === '"') return string();
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][-+]?\d+)?/.exec(text.slice(i, i + 64));
    if (m) {
      i += m[0].length;
      return Number(m[0]);
    }
    for (const [word, v] of [['true', true], ['false', false], ['null', null]] as const) {
      if (text.startsWith(word, i)) {
        i += word.length;
        return v;
      }
    }
    return fail(c === undefined ? 'unexpected end of file' : `unexpected character '${c}'`);
  };
  const string = (): string => {
    const start = i;
    i++;
    for (;;) {
      const c = text[i];
      if (c === undefined || c === '\n') fail('unterminated string');
      if (c === '\\') i += 2;
      else if (c === '"') {
        i++;
        return JSON.parse(text.slice(start, i)) as string;
      } else i++;
    }
  };
  const result = value([]);
  skip();
  if (i < text.length) fail('unexpected content after the JSON value');
  return { value: result, positions };
}

/** The position of the deepest known prefix of `path`. */
export function positionOf(json: LocatedJson, path: ReadonlyArray<string | number>): SourcePosition | undefined {
  for (let n = path.length; n >= 0; n--) {
    const p = json.positions.get(formatPath(path.slice(0, n)));
    if (p) return p;
  }
  return undefined;
}
