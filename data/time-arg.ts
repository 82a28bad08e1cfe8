/**
 * Times given on the command line: unix seconds, or an ISO date/time read as UTC when it names
 * no zone ("2022-11-08", "2022-11-08T12:00").
 */
export function parseTimeArg(text: string): number | undefined {
  const t = text.trim();
  if (/^\d+$/.test(t)) return Number(t);
  if (!/^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$/.test(t)) return undefined;
  const zoned = /(Z|[+-]\d{2}:?\d{2})$/.test(t) ? t : t.length === 10 ? `${t}T00:00:00Z` : `${t.replace(' ', 'T')}Z`;
  const ms = Date.parse(zoned);
  return Number.isFinite(ms) ? Math.floor(ms / 1000) : undefined;
}
