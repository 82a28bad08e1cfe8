/**
 * The exactness pin: the bundled runs' event logs, byte for byte, by SHA-256. A speed-up must
 * leave every one of them unchanged (one wei anywhere changes the hash). A change that is meant
 * to change a log (a new agent behaviour, a fixed rule) updates the pin here and says why in its
 * commit; the failure message prints the new hash and line count to paste in.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseRunScenario, resolveRun } from '../scenarios/run-loader.ts';
import type { EventSink, LoggedEvent } from '../sim/engine/event-log.ts';
import { runSimulation } from '../sim/engine/run-simulation.ts';

/** Hashes the JSON Lines log as `vamm run` writes it (each line then '\n'), keeping nothing. */
class HashSink implements EventSink {
  readonly needsLine = true;
  private readonly hash = createHash('sha256');
  lines = 0;
  write(_e: LoggedEvent, line: string): void {
    this.hash.update(line);
    this.hash.update('\n');
    this.lines++;
  }
  close(): void {}
  digest(): string {
    return this.hash.digest('hex');
  }
}

interface Pin {
  readonly scenario: string;
  /** Changes applied to the bundled scenario (another profile for the other rule set). */
  readonly edit?: (s: Record<string, unknown>) => void;
  readonly lines: number;
  readonly sha256: string;
}

const PINS: Record<string, Pin> = {
  'crosscheck-black-thursday (default)': {
    scenario: 'scenarios/runs/crosscheck-black-thursday.json',
    lines: 21800,
    sha256: '08191d81a868cc0b4a7ab34b8bd9e2832cf0c1d2d10e2496317e951795c96119',
  },
  'crosscheck-black-thursday (perp-v1 rules)': {
    scenario: 'scenarios/runs/crosscheck-black-thursday.json',
    edit: (s) => {
      s.profile = 'perp-v1';
    },
    lines: 28433,
    // Re-pinned (issue 11): perp-v1's index feed is Perp v1's L2PriceFeed, so OracleRound answers carry 18 decimals.
    sha256: '386e139111fc4074c880a0e16f07e9f66a69aa3572c58ff862e653a4782adcda',
  },
  'black-thursday-2020 (default)': {
    scenario: 'scenarios/runs/black-thursday-2020.json',
    lines: 89461,
    sha256: '01690bff1454704a32535dbb57ad89b06d33a79defaac52ad6261715cda27d97',
  },
  'may19-2021 (default)': {
    scenario: 'scenarios/runs/may19-2021.json',
    lines: 114090,
    sha256: '7863bdc4805ed9de9e724d77d4378a1210a426b361ea0f9389ed613f1b86f7a2',
  },
  'aug5-2024 (default)': {
    scenario: 'scenarios/runs/aug5-2024.json',
    lines: 90692,
    sha256: 'ea811e2564e717f78d034c0c4dd61e2228efd7daa0bb9221118fbbfb95816ccd',
  },
};

describe('exactness pin: bundled runs reproduce their event logs to the byte', () => {
  for (const [name, pin] of Object.entries(PINS)) {
    it(name, { timeout: 600_000 }, async () => {
      const scenario = JSON.parse(readFileSync(pin.scenario, 'utf8')) as Record<string, unknown>;
      pin.edit?.(scenario);
      const sink = new HashSink();
      await runSimulation(await resolveRun(parseRunScenario(JSON.stringify(scenario), pin.scenario)), { sinks: [sink] });
      const got = { lines: sink.lines, sha256: sink.digest() };
      expect(got, `${name}: the event log changed; if that is intended, pin ${JSON.stringify(got)} and say why in the commit`).toEqual({
        lines: pin.lines,
        sha256: pin.sha256,
      });
    });
  }
});
