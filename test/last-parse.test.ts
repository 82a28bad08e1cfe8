/**
 * A pool worker parses a batch's scenario text once (`lastParse`): the same text again is not
 * parsed again, and each caller gets its own copy (test/batch.test.ts: runs from the copies).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lastParse } from '../scenarios/last-parse.ts';
import { parseRunScenario } from '../scenarios/run-loader.ts';

describe('lastParse', () => {
  it('parses a text once while it is sent again, and again when another text (or file) comes between', () => {
    const parsed: string[] = [];
    const parse = lastParse((text: string, file: string) => {
      parsed.push(`${file}:${text}`);
      return { ...(JSON.parse(text) as object), file, nested: { list: [1, 2] } };
    });
    expect(parse('{"a":1}', 'x')).toEqual({ a: 1, file: 'x', nested: { list: [1, 2] } });
    parse('{"a":1}', 'x');
    parse('{"a":1}', 'x');
    parse('{"a":2}', 'x');
    parse('{"a":2}', 'y');
    parse('{"a":1}', 'x');
    expect(parsed).toEqual(['x:{"a":1}', 'x:{"a":2}', 'y:{"a":2}', 'x:{"a":1}']);
  });

  it('hands each caller its own copy: one run changing its scenario leaves the next one as parsed', () => {
    const parse = lastParse((text: string) => JSON.parse(text) as { nested: { list: number[] } });
    const first = parse('{"nested":{"list":[1,2]}}', 'f');
    first.nested.list.push(3);
    const second = parse('{"nested":{"list":[1,2]}}', 'f');
    expect(second).not.toBe(first);
    expect(second.nested.list).toEqual([1, 2]);
  });

  it('does not keep a text that failed to parse', () => {
    let calls = 0;
    const parse = lastParse((text: string) => {
      calls++;
      return JSON.parse(text) as unknown;
    });
    expect(() => parse('{', 'f')).toThrow();
    expect(() => parse('{', 'f')).toThrow();
    expect(calls).toBe(2);
  });

  it('copies a real scenario whole: every bundled run parses to plain data, so its clone has the same classes and values', () => {
    // structuredClone drops prototypes and refuses functions: a parse that held a class instance
    // (a Decimal, a Map subclass) would reach the second run of a batch as a bare object.
    const dir = join(import.meta.dirname, '..', 'scenarios', 'runs');
    const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
    expect(files.length).toBeGreaterThan(5);
    const parse = lastParse(parseRunScenario);
    for (const f of files) {
      const text = readFileSync(join(dir, f), 'utf8');
      parse(text, f);
      expect(parse(text, f), f).toStrictEqual(parseRunScenario(text, f));
    }
  });
});
