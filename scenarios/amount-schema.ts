/**
 * Amounts written as decimal strings ("20000000", "0.5"), validated with the reason that fits:
 * a minus sign is "must not be negative", zero where the model needs a positive amount is said
 * so before the run starts (not a revert half way), anything else names the form expected.
 */
import { z } from 'zod';

export function decimalString(decimals: number, o: { positive?: string } = {}) {
  const form = new RegExp(`^\\d+(\\.\\d{1,${decimals}})?$`);
  return z.string().superRefine((v, ctx) => {
    const text = v.trim();
    if (text.startsWith('-') && form.test(text.slice(1))) ctx.addIssue({ code: 'custom', message: `must not be negative (got "${v}")` });
    else if (!form.test(v)) ctx.addIssue({ code: 'custom', message: `"${v}" is not an amount: digits with at most ${decimals} decimals, as a string (e.g. "20000000")` });
    else if (o.positive && /^[0.]+$/.test(v)) ctx.addIssue({ code: 'custom', message: `must be greater than 0: ${o.positive}` });
  });
}
