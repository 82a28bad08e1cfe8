/**
 * Reads and validates a scripted scenario. Every problem is reported with the file, line,
 * column and field path, all of them in one pass, and nothing runs until the file is valid.
 */
import { readFileSync } from 'node:fs';
import type { z } from 'zod';
import { InputError, InputErrors } from '../data/input-error.ts';
import { LocatedReporter } from './json-validate.ts';
import { type LocatedJson, parseLocatedJson } from './json-source.ts';
import { profileByName, type ProfileName } from '../sim/params.ts';
import { misspeltPath, scriptNames } from './expectation-paths.ts';
import { ACTIONS, ACTION_NAMES, BOOK_BREAKING_ACTIONS, type Action, type ActionName, type Script, ScriptHeaderSchema, type Step, StepMetaSchema } from './script-schema.ts';

const META_KEYS = new Set(['note', 'expect', 'expectRevert']);

export function loadScript(file: string): Script {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new InputError({ file }, `cannot read the scenario: ${(e as Error).message}`);
  }
  return parseScript(text, file);
}

export function parseScript(text: string, file = '<script>'): Script {
  const json = parseLocatedJson(text, file);
  const reporter = new LocatedReporter(json, file);
  const errors = reporter.errors;
  const report = reporter.report.bind(reporter);
  const collect = reporter.collect.bind(reporter);

  const header = ScriptHeaderSchema.safeParse(json.value);
  if (!header.success) {
    collect(header.error.issues, []);
    throw new InputErrors(errors);
  }
  const steps: Step[] = [];
  header.data.steps.forEach((raw, index) => {
    const step = parseStep(raw, index, json, report, collect);
    if (step) steps.push(step);
  });
  const marketIds = new Set(header.data.markets.map((m) => m.id));
  header.data.markets.forEach((m, i) => {
    if (header.data.markets.findIndex((o) => o.id === m.id) !== i) report(['markets', i, 'id'], `duplicate market id "${m.id}"`);
  });
  for (const step of steps) {
    const args = step.action.args as { market?: unknown };
    if (typeof args.market === 'string' && !marketIds.has(args.market)) {
      report(['steps', step.index, step.action.name, 'market'], `unknown market "${args.market}" (markets: ${[...marketIds].join(', ')})`);
    }
  }
  if (header.data.invariants !== false) {
    for (const step of steps) {
      if (BOOK_BREAKING_ACTIONS.has(step.action.name)) {
        report(['steps', step.index, step.action.name], 'direct AMM swaps bypass the clearing house books: set "invariants": false for this script');
      }
    }
  }
  if (header.data.clearingHouse?.release !== undefined && header.data.profile !== 'perp-v1') {
    report(['clearingHouse', 'release'], 'a Perp v1 release applies to the perp-v1 profile only');
  }
  // The index feed's precision: a Chainlink aggregator takes 8 decimals, Perp v1's L2PriceFeed 18.
  const feedDecimals = profileByName(header.data.profile as ProfileName).clearingHouse.indexFeedDecimals;
  const feedUnit = 10n ** BigInt(18 - feedDecimals);
  const checkFeedPrice = (price: bigint | undefined, path: ReadonlyArray<string | number>) => {
    if (price !== undefined && price % feedUnit !== 0n) report(path, `the ${header.data.profile} index feed takes at most ${feedDecimals} decimals`);
  };
  header.data.markets.forEach((m, i) => checkFeedPrice(m.indexPrice, ['markets', i, 'indexPrice']));
  for (const step of steps) {
    if (step.action.name === 'setOraclePrice') checkFeedPrice(step.action.args.price, ['steps', step.index, 'setOraclePrice', 'price']);
  }
  if (errors.length > 0) throw new InputErrors(errors);
  const { steps: _raw, ...rest } = header.data;
  const script: Script = { ...rest, steps, file };
  const names = scriptNames(script);
  for (const step of steps) {
    for (const path of Object.keys(step.expect ?? {})) {
      const why = misspeltPath(path, script, names);
      if (why) report(['steps', step.index, 'expect', path], `no such expectation path "${path}": ${why}`);
    }
  }
  if (errors.length > 0) throw new InputErrors(errors);
  return script;
}

function parseStep(
  raw: unknown,
  index: number,
  json: LocatedJson,
  report: (path: ReadonlyArray<string | number>, reason: string) => void,
  collect: (issues: readonly z.core.$ZodIssue[], prefix: ReadonlyArray<string | number>) => void,
): Step | undefined {
  const path = ['steps', index];
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    report(path, 'a step must be an object with one action key');
    return undefined;
  }
  const record = raw as Record<string, unknown>;
  const actionKeys = Object.keys(record).filter((k) => !META_KEYS.has(k));
  const unknown = actionKeys.filter((k) => !(k in ACTIONS));
  if (unknown.length > 0) {
    report([...path, unknown[0] as string], `unknown action "${unknown[0]}" (actions: ${ACTION_NAMES.join(', ')})`);
    return undefined;
  }
  if (actionKeys.length > 1) {
    report(path, `one action per step, found ${actionKeys.join(' and ')}`);
    return undefined;
  }
  const name: ActionName = (actionKeys[0] as ActionName | undefined) ?? 'expect';
  const meta = StepMetaSchema.safeParse(Object.fromEntries(Object.entries(record).filter(([k]) => META_KEYS.has(k))));
  if (!meta.success) collect(meta.error.issues, path);
  const args = ACTIONS[name].safeParse(name === 'expect' ? {} : (record[name] ?? {}));
  if (!args.success) collect(args.error.issues, [...path, name]);
  if (!meta.success || !args.success) return undefined;
  if (name === 'expect' && !meta.data.expect) {
    report(path, 'an expect step needs an "expect" object');
    return undefined;
  }
  if (name === 'advance') {
    const a = args.data as { seconds?: number; blocks?: number; toNextFundingTime?: string };
    if (a.toNextFundingTime !== undefined && a.seconds !== undefined) report([...path, name], 'give seconds or toNextFundingTime, not both');
    if (a.seconds === undefined && a.blocks === undefined && a.toNextFundingTime === undefined) {
      report([...path, name], 'give seconds, blocks or toNextFundingTime');
    }
  }
  return {
    index,
    action: { name, args: args.data } as Action,
    ...(meta.data.note !== undefined ? { note: meta.data.note } : {}),
    ...(meta.data.expect !== undefined ? { expect: meta.data.expect } : {}),
    ...(meta.data.expectRevert !== undefined ? { expectRevert: meta.data.expectRevert } : {}),
  };
}
