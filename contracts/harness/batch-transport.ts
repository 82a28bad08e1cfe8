/**
 * How the replay's JSON-RPC batches reach anvil: over its IPC socket (newline-delimited JSON)
 * when it has one, else over HTTP with a kept-alive connection. viem's fetch-based HTTP client
 * cost a third of the replay's own CPU time (two batches per block), so batches bypass it; single
 * requests still go through viem.
 */
import { Agent, request as httpRequest } from 'node:http';
import { type Socket, connect } from 'node:net';

export interface BatchTransport {
  /** Sends one JSON-RPC batch and resolves with anvil's answer (an array, or one error object). */
  send(body: readonly unknown[]): Promise<unknown>;
  close(): void;
}

export function httpBatchTransport(url: string, timeoutMs: number): BatchTransport {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const { hostname, port, pathname } = new URL(url);
  return {
    send: (body) =>
      new Promise((resolve, reject) => {
        const data = JSON.stringify(body);
        const req = httpRequest(
          { host: hostname, port, path: pathname, method: 'POST', agent, timeout: timeoutMs, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) } },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('error', reject);
            res.on('end', () => {
              const text = Buffer.concat(chunks).toString('utf8');
              if (res.statusCode !== 200) reject(new Error(`${url} answered HTTP ${res.statusCode}: ${text.slice(0, 300)}`));
              else resolve(JSON.parse(text));
            });
          },
        );
        req.on('timeout', () => req.destroy(new Error(`${url} did not answer a batch within ${timeoutMs} ms`)));
        req.on('error', reject);
        req.end(data);
      }),
    close: () => agent.destroy(),
  };
}

/** One connection to anvil's IPC socket; each answer is one line, matched to its batch by the first request's id. */
export async function ipcBatchTransport(path: string): Promise<BatchTransport> {
  const socket: Socket = await new Promise((resolve, reject) => {
    const s = connect(path, () => resolve(s));
    s.once('error', reject);
  });
  const waiting = new Map<unknown, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  const idOf = (message: unknown): unknown => (Array.isArray(message) ? (message[0] as { id?: unknown } | undefined)?.id : (message as { id?: unknown } | null)?.id);
  let buffered = '';
  let failure: Error | null = null;
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    buffered += chunk;
    for (let end = buffered.indexOf('\n'); end >= 0; end = buffered.indexOf('\n')) {
      const line = buffered.slice(0, end);
      buffered = buffered.slice(end + 1);
      let answer: unknown;
      try {
        answer = JSON.parse(line);
      } catch {
        fail(new Error(`anvil's IPC socket ${path} sent a line that is not JSON: ${line.slice(0, 200)}`));
        return;
      }
      const id = idOf(answer);
      const next = waiting.get(id);
      if (!next) {
        fail(new Error(`anvil's IPC socket ${path} answered request ${String(id)}, which no batch sent`));
        return;
      }
      waiting.delete(id);
      next.resolve(answer);
    }
  });
  function fail(e: Error) {
    failure = e;
    for (const w of waiting.values()) w.reject(e);
    waiting.clear();
  }
  socket.on('error', fail);
  socket.on('close', () => fail(new Error(`anvil's IPC socket ${path} closed`)));
  return {
    send: (body) =>
      new Promise((resolve, reject) => {
        if (failure) return reject(failure);
        waiting.set(idOf(body), { resolve, reject });
        socket.write(`${JSON.stringify(body)}\n`);
      }),
    close: () => socket.destroy(),
  };
}
