/** A progress bar on stderr (silent with --quiet or when stderr is not a terminal and CI asks for quiet). */
import cliProgress from 'cli-progress';

export interface ProgressBar {
  update(fraction: number, detail: string): void;
  stop(): void;
}

export function progressBar(label: string, quiet: boolean): ProgressBar {
  if (quiet) return { update() {}, stop() {} };
  const bar = new cliProgress.SingleBar(
    { format: `${label} [{bar}] {percentage}% {detail}`, stream: process.stderr, hideCursor: true, clearOnComplete: false, etaBuffer: 50 },
    cliProgress.Presets.shades_classic,
  );
  bar.start(1000, 0, { detail: '' });
  return {
    update(fraction, detail) {
      bar.update(Math.min(1000, Math.round(fraction * 1000)), { detail });
    },
    stop() {
      bar.stop();
    },
  };
}
