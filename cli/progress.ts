/**
 * Progress on stderr, never on stdout (stdout carries results). On a terminal: a bar redrawn
 * in place. Elsewhere (CI logs, `2> file`, a batch job): one plain line when the work starts,
 * at each phase, every `VAMM_PROGRESS_INTERVAL` seconds (default 10) while it runs, and when it
 * ends, so a log shows the job is alive and how far it got. `--quiet` turns it off; nothing
 * else does.
 */
import cliProgress from 'cli-progress';

export interface ProgressBar {
  /** How far the measurable work is (0–1), and what it is doing. */
  update(fraction: number, detail: string): void;
  /** A step before (or between) measurable work, shown at once: "compiling contracts". */
  phase(name: string): void;
  /** Ends the progress; `outcome` says how ("done" unless told: "interrupted", "failed"). */
  stop(outcome?: string): void;
}

export interface ProgressOptions {
  readonly stream?: NodeJS.WritableStream & { readonly isTTY?: boolean };
  /** Seconds between lines when the stream is not a terminal. */
  readonly intervalSeconds?: number;
}

const SILENT: ProgressBar = { update() {}, phase() {}, stop() {} };

function defaultInterval(): number {
  const env = Number(process.env.VAMM_PROGRESS_INTERVAL);
  return Number.isFinite(env) && env > 0 ? env : 10;
}

export function progressBar(label: string, quiet: boolean, options: ProgressOptions = {}): ProgressBar {
  if (quiet) return SILENT;
  const stream = options.stream ?? process.stderr;
  return stream.isTTY ? terminalBar(label, stream) : lineProgress(label, stream, options.intervalSeconds ?? defaultInterval());
}

function terminalBar(label: string, stream: NodeJS.WritableStream): ProgressBar {
  const bar = new cliProgress.SingleBar(
    { format: `${label} [{bar}] {percentage}% {detail}`, stream: stream as NodeJS.WriteStream, hideCursor: true, clearOnComplete: false, etaBuffer: 50 },
    cliProgress.Presets.shades_classic,
  );
  let value = 0;
  bar.start(1000, 0, { detail: '' });
  return {
    update(fraction, detail) {
      value = Math.min(1000, Math.round(fraction * 1000));
      bar.update(value, { detail });
    },
    phase(name) {
      bar.update(value, { detail: name });
    },
    stop() {
      bar.stop();
    },
  };
}

function clock(seconds: number): string {
  const s = Math.round(seconds);
  return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
}

function lineProgress(label: string, stream: NodeJS.WritableStream, intervalSeconds: number): ProgressBar {
  const started = performance.now();
  let fraction = 0;
  let detail = 'starting';
  let stopped = false;
  const line = (what: string) => stream.write(`${label}: ${what} (${clock((performance.now() - started) / 1000)})\n`);
  const state = () => `${Math.floor(fraction * 100)}%${detail ? ` ${detail}` : ''}`;
  line('started');
  const timer = setInterval(() => line(state()), intervalSeconds * 1000);
  timer.unref();
  return {
    update(f, d) {
      fraction = Math.max(0, Math.min(1, f));
      detail = d;
    },
    phase(name) {
      detail = name;
      line(name);
    },
    stop(outcome = 'done') {
      if (stopped) return;
      stopped = true;
      clearInterval(timer);
      line(`${outcome}, ${state()}`);
    },
  };
}
