/**
 * A scripted scenario back in its file format: wei as human decimal strings, one action key per
 * step, so a script built in code (a fault scenario, a shrunk reproduction) can be saved and run
 * with `vamm script` or checked again (`parseScript` reads it back to the same script).
 */
import { fromWei } from '../sim/math/units.ts';
import type { Script } from './script-schema.ts';

type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** Every bigint in a script is an 18-decimal amount (the schema's `wei`). */
function human(value: unknown): JsonValue {
  if (typeof value === 'bigint') return fromWei(value);
  if (Array.isArray(value)) return value.map(human);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined).map(([k, v]) => [k, human(v)]));
  }
  return value as JsonValue;
}

/** A step's arguments in the script format (human decimals). */
export function actionArgsToJson(args: unknown): JsonValue {
  return human(args);
}

export function scriptToJson(script: Script): { [key: string]: JsonValue } {
  const { steps, ...header } = script;
  return {
    ...(human(header) as { [key: string]: JsonValue }),
    steps: steps.map((s) => ({
      [s.action.name]: human(s.action.args),
      ...(s.note !== undefined ? { note: s.note } : {}),
      ...(s.expect !== undefined ? { expect: s.expect as { [key: string]: JsonValue } } : {}),
      ...(s.expectRevert !== undefined ? { expectRevert: s.expectRevert } : {}),
    })),
  };
}

/** The script as a file: the header's fields one per line, then one step per line. */
export function formatScript(script: Script): string {
  const { steps, ...header } = scriptToJson(script) as { steps: JsonValue[] } & Record<string, JsonValue>;
  const lines = Object.entries(header).map(([k, v]) => `  ${JSON.stringify(k)}: ${JSON.stringify(v)}`);
  const body = steps.map((s) => `    ${JSON.stringify(s)}`).join(',\n');
  return `{\n${lines.join(',\n')},\n  "steps": [\n${body}\n  ]\n}\n`;
}
