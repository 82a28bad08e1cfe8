/** A profile's protocol parameters as rows: dotted name, value (18-decimal values as decimals). */
import { fromWei } from '../../sim/math/units.ts';
import { type ProfileName, profileByName } from '../../sim/params.ts';

export function parameterRows(profile: ProfileName): Array<readonly [string, string]> {
  const rows: Array<readonly [string, string]> = [];
  const walk = (prefix: string, value: unknown): void => {
    if (typeof value === 'bigint') rows.push([prefix, fromWei(value)]);
    else if (value !== null && typeof value === 'object') for (const [k, v] of Object.entries(value)) walk(prefix ? `${prefix}.${k}` : k, v);
    else rows.push([prefix, String(value)]);
  };
  walk('', profileByName(profile));
  return rows;
}
