/**
 * Retries with exponential backoff for the fetchers. Rate limits (HTTP 429/418) wait what the
 * server's Retry-After says; server errors (5xx), dropped connections, timeouts and truncated
 * bodies back off exponentially; anything else (a 400, a wrong contract) fails at once.
 */
export interface RetryOptions {
  /** Attempts after the first. */
  readonly retries: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  /** Injected in tests. */
  readonly sleep?: (ms: number) => Promise<void>;
  readonly onRetry?: (info: { attempt: number; delayMs: number; reason: string }) => void;
}

export const DEFAULT_RETRY: RetryOptions = { retries: 6, baseDelayMs: 500, maxDelayMs: 60_000 };

/** An error worth retrying, with the server's requested delay if it gave one. */
export class TransientError extends Error {
  override name = 'TransientError';
  constructor(
    message: string,
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

/** A failure that retrying cannot fix. */
export class FetchFailed extends Error {
  override name = 'FetchFailed';
}

/** Retry-After as milliseconds: delta-seconds or an HTTP date. */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  if (/^\d+(\.\d+)?$/.test(value.trim())) return Math.round(Number(value) * 1000);
  const at = Date.parse(value);
  return Number.isFinite(at) ? Math.max(0, at - now) : undefined;
}

const defaultSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export async function withRetry<T>(fn: () => Promise<T>, o: RetryOptions, classify: (e: unknown) => TransientError | undefined = (e) => (e instanceof TransientError ? e : undefined)): Promise<T> {
  const sleep = o.sleep ?? defaultSleep;
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn();
    } catch (e) {
      const transient = classify(e);
      if (!transient) throw e;
      if (attempt >= o.retries) throw new FetchFailed(`gave up after ${attempt + 1} attempts: ${transient.message}`);
      const backoff = Math.min(o.maxDelayMs, o.baseDelayMs * 2 ** attempt);
      const delayMs = transient.retryAfterMs !== undefined ? Math.min(o.maxDelayMs, Math.max(transient.retryAfterMs, 0)) : backoff;
      o.onRetry?.({ attempt: attempt + 1, delayMs, reason: transient.message });
      await sleep(delayMs);
    }
  }
}

/** GET a JSON document; classifies failures as transient or final. */
export async function getJson(url: string, timeoutMs = 30_000): Promise<unknown> {
  let res: Response;
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), headers: { accept: 'application/json' } });
  } catch (e) {
    throw new TransientError(`network error: ${(e as Error).message}${(e as { cause?: Error }).cause ? ` (${(e as { cause: Error }).cause.message})` : ''}`);
  }
  let text: string;
  try {
    text = await res.text();
  } catch (e) {
    throw new TransientError(`connection dropped while reading the body: ${(e as Error).message}`);
  }
  if (res.status === 429 || res.status === 418) {
    throw new TransientError(`HTTP ${res.status} (rate limited)`, parseRetryAfter(res.headers.get('retry-after')) ?? 60_000);
  }
  if (res.status >= 500) throw new TransientError(`HTTP ${res.status}: ${text.slice(0, 200)}`, parseRetryAfter(res.headers.get('retry-after')));
  if (res.status !== 200) throw new FetchFailed(`HTTP ${res.status} from ${url}: ${text.slice(0, 300)}`);
  try {
    return JSON.parse(text);
  } catch {
    throw new TransientError(`truncated or invalid JSON body (${text.length} bytes)`);
  }
}
