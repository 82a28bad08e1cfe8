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
    lines: 30363,
    sha256: 'db23cdb8eb6665ddd667a1d6b249e5568c06a9e2d2e649b6fbf20f075cac5587',
  },
  'crosscheck-black-thursday (perp-v1 rules)': {
    scenario: 'scenarios/runs/crosscheck-black-thursday.json',
    edit: (s) => {
      s.profile = 'perp-v1';
    },
    lines: 41152,
    // Re-pinned (issue 11): perp-v1's index feed is Perp v1's L2PriceFeed, so OracleRound answers carry 18 decimals.
    sha256: '56b12e064a6ddc575f0a19d89cc0d09c76c634b304a6cf9a646b8692f3465b2a',
  },
  'black-thursday-2020 (default)': {
    scenario: 'scenarios/runs/black-thursday-2020.json',
    lines: 54136,
    sha256: '3815c05af3fc412856f27706d303fb8f2b74dcc10a9db454a61084e7a29b1b8f',
  },
  'may19-2021 (default)': {
    scenario: 'scenarios/runs/may19-2021.json',
    lines: 171556,
    sha256: '40e5c2f84da4f214f54d76e8edfde9d7a423b9e848f6ccda9949faae6fffd8e3',
  },
  'aug5-2024 (default)': {
    scenario: 'scenarios/runs/aug5-2024.json',
    lines: 112457,
    sha256: '4719254958cc619054d1253284083d6982f5bed2bdb44e257f8c6c18e5da1194',
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
