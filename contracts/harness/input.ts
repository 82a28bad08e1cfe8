/**
 * Replay inputs from files: a scripted scenario (scenarios/scripts/*.json), or an event log — the
 * scenario header plus `log`, a list of entries `{ blockNumber, timestamp, <action>: {args} }` with
 * the same actions as script steps (what the engine's event log records for each accepted or
 * reverted action). Both are validated by the scenario loader, with located errors.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fromWei } from '../../sim/math/units.ts';
import { parseScript } from '../../scenarios/script-loader.ts';
import { InputError } from '../../data/input-error.ts';
import type { Action } from '../../scenarios/script-schema.ts';
import type { ReplayInput } from './replay.ts';

export function loadReplayInput(file: string): ReplayInput {
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch (e) {
    throw new InputError({ file }, `cannot read the replay input: ${(e as Error).message}`);
  }
  return replayInputFromJson(json, file);
}

/** A replay input from its JSON: a scripted scenario, or a header with a timed `log`. */
export function replayInputFromJson(json: Record<string, unknown>, file: string): ReplayInput {
  if (Array.isArray(json.log)) {
    const log = json.log as Array<Record<string, unknown>>;
    const { log: _log, ...header } = json;
    const steps = log.map(({ blockNumber: _b, timestamp: _t, ...step }) => step);
    const script = parseScript(JSON.stringify({ ...header, steps }), file);
    return {
      header: script,
      actions: script.steps.map((s, i) => {
        const entry = log[i]!;
        if (typeof entry.blockNumber !== 'number' || typeof entry.timestamp !== 'number') {
          throw new InputError({ file, field: `log.${i}` }, 'every log entry needs a numeric blockNumber and timestamp');
        }
        return { action: s.action, blockNumber: entry.blockNumber, timestamp: entry.timestamp };
      }),
    };
  }
  const script = parseScript(JSON.stringify(json), file);
  return { header: script, actions: script.steps.map((s) => ({ action: s.action })) };
}

/** Wei as exact human decimals, recursively: the form scenario files take amounts in. */
function humanJson(value: unknown): unknown {
  if (typeof value === 'bigint') return fromWei(value);
  if (Array.isArray(value)) return value.map(humanJson);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, humanJson(v)]));
  return value;
}

/** Writes a replay input as an event-log file (amounts as exact human decimals). */
export function writeEventLog(file: string, input: ReplayInput): void {
  const header = humanJson(input.header) as Record<string, unknown>;
  const log = input.actions.map(({ action, blockNumber, timestamp }) => ({ blockNumber, timestamp, [action.name]: humanJson(action.args) }));
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify({ ...header, log })}\n`);
}

/** A scripted scenario's JSON: a header as a file holds it, and one step per action. */
export function scriptJson(header: Readonly<Record<string, unknown>>, actions: readonly Action[]): Record<string, unknown> {
  return { ...header, steps: actions.map((a) => ({ [a.name]: humanJson(a.args) })) };
}
