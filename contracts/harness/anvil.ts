/**
 * Runs anvil from the npm platform package (@foundry-rs/anvil-linux-amd64), spawned directly so the
 * PID is anvil's own: killed reliably on stop and on process exit, a clear error (with its last
 * output) if it dies, and a timeout instead of a hang when it does not come up.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import { connect, createServer } from 'node:net';
import { dirname, join } from 'node:path';

export class AnvilError extends Error {
  override name = 'AnvilError';
}

/**
 * Whether a Unix socket at `path` takes a connection now. Anvil's socket file exists from its
 * bind, a moment before it listens: a client that saw the file and connected in that moment was
 * refused (ECONNREFUSED, seen once in a full suite), so readiness is a connection, not the file.
 */
export function ipcAccepts(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(path, () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

export interface AnvilOptions {
  /** Genesis block number and timestamp (a fresh chain). */
  readonly number?: number;
  readonly timestamp?: number;
  /** Fork this RPC URL (or another anvil's IPC socket path) at this block. */
  readonly forkUrl?: string;
  /**
   * The fork's source is a local anvil: no rate limit on the slots the fork fetches from it. A
   * fork asks its source for every slot it first touches, fresh ones included (a vAMM snapshot per
   * block), and anvil's default budget for a remote provider throttled those.
   */
  readonly forkIsLocal?: boolean;
  readonly forkBlockNumber?: number;
  readonly startTimeoutMs?: number;
  /** Also listen on an IPC socket (a file in the temp folder): a cheaper channel than HTTP for many batches. */
  readonly ipc?: boolean;
}

export function anvilBinary(): string {
  const require = createRequire(import.meta.url);
  let dir: string;
  try {
    dir = dirname(require.resolve('@foundry-rs/anvil-linux-amd64/package.json'));
  } catch {
    throw new AnvilError('anvil is not installed: run `npm install` (the binary comes from the optional dependency @foundry-rs/anvil-linux-amd64, linux x86-64)');
  }
  const bin = join(dir, 'bin', 'anvil');
  if (!existsSync(bin)) throw new AnvilError(`anvil binary missing at ${bin}: reinstall @foundry-rs/anvil`);
  return bin;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

const running = new Set<ChildProcess>();
let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const child of running) child.kill('SIGKILL');
  });
}

export class Anvil {
  private exited: string | null = null;
  private output = '';

  private constructor(
    readonly url: string,
    private readonly child: ChildProcess,
    /** The IPC socket's path, when started with `ipc`. */
    readonly ipcPath: string | null,
  ) {
    child.stdout?.on('data', (d: Buffer) => this.keep(d));
    child.stderr?.on('data', (d: Buffer) => this.keep(d));
    child.on('exit', (code, signal) => {
      running.delete(child);
      this.exited = `anvil exited (code ${code}, signal ${signal})`;
    });
  }

  private keep(d: Buffer): void {
    this.output = (this.output + d.toString()).slice(-4000);
  }

  static async start(options: AnvilOptions = {}): Promise<Anvil> {
    installExitHook();
    const port = await freePort();
    const args = [
      '--port', String(port),
      '--host', '127.0.0.1',
      '--auto-impersonate',
      '--no-mining',
      '--order', 'fifo',
      '--disable-block-gas-limit',
      '--disable-code-size-limit',
      '--base-fee', '0',
      '--gas-price', '0',
      '--prune-history', '16',
      // No log of every request and transaction on stdout: writing it took ~4 % of a replaying
      // anvil's CPU, and reading it the replay's own. Errors and panics still go to stderr.
      '--quiet',
    ];
    if (options.number !== undefined) args.push('--number', String(options.number));
    if (options.timestamp !== undefined) args.push('--timestamp', String(options.timestamp));
    // Never the on-disk RPC cache (~/.foundry/cache/rpc/<chain>/<block>): the base anvil is always
    // chain 31337 at the same block, so a fork would read the contracts of an earlier run (another
    // build of contracts/src) from the cache instead of the base anvil.
    if (options.forkUrl) args.push('--fork-url', options.forkUrl, '--no-storage-caching');
    if (options.forkUrl && options.forkIsLocal) args.push('--no-rate-limit');
    if (options.forkBlockNumber !== undefined) args.push('--fork-block-number', String(options.forkBlockNumber));
    const ipcPath = options.ipc ? join(tmpdir(), `vamm-anvil-${process.pid}-${port}.ipc`) : null;
    if (ipcPath) args.push('--ipc', ipcPath);
    const child = spawn(anvilBinary(), args, { stdio: ['ignore', 'pipe', 'pipe'] });
    running.add(child);
    const anvil = new Anvil(`http://127.0.0.1:${port}`, child, ipcPath);
    const deadline = Date.now() + (options.startTimeoutMs ?? 15_000);
    for (;;) {
      if (anvil.exited) throw new AnvilError(`${anvil.exited} while starting:\n${anvil.output}`);
      try {
        const r = await fetch(anvil.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_chainId', params: [] }),
          signal: AbortSignal.timeout(1000),
        });
        if (r.ok && (!ipcPath || (await ipcAccepts(ipcPath)))) return anvil;
      } catch {
        // not up yet
      }
      if (Date.now() > deadline) {
        anvil.stop();
        throw new AnvilError(`anvil did not answer on ${anvil.url} within ${options.startTimeoutMs ?? 15_000} ms:\n${anvil.output}`);
      }
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  /** Throws a clear error if anvil has died. */
  assertAlive(): void {
    if (this.exited) throw new AnvilError(`${this.exited}; last output:\n${this.output}`);
  }

  stop(): void {
    if (!this.exited) this.child.kill('SIGKILL');
    running.delete(this.child);
    if (this.ipcPath) rmSync(this.ipcPath, { force: true });
  }
}
