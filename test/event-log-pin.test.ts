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
    lines: 21629,
    sha256: '9a6b1a7cf5ada56579e1c8b9aa6d472c49bbc4ceb476dc291751da5267b93306',
  },
  'crosscheck-black-thursday (perp-v1 rules)': {
    scenario: 'scenarios/runs/crosscheck-black-thursday.json',
    edit: (s) => {
      s.profile = 'perp-v1';
    },
    lines: 28748,
    // Re-pinned (issue 11): perp-v1's index feed is Perp v1's L2PriceFeed, so OracleRound answers carry 18 decimals.
    sha256: '9cb388abd8b7914d774a50ae77492d283485863add038fab5c46ccd9d21897fc',
  },
  'black-thursday-2020 (default)': {
    scenario: 'scenarios/runs/black-thursday-2020.json',
    lines: 89102,
    sha256: '0a932b68ccd8362005c5bf03b844e66f604cfd4cc103b6269939970b5a5fa72e',
  },
  'may19-2021 (default)': {
    scenario: 'scenarios/runs/may19-2021.json',
    lines: 113077,
    sha256: '0e5115172fff35261dc5d41274f6f190dd02faa83cf5bfcb73fb34ba918eb380',
  },
  'aug5-2024 (default)': {
    scenario: 'scenarios/runs/aug5-2024.json',
    lines: 90194,
    sha256: 'e00b07ad1256ce7fae693e724960fb622c5eaeb05e18af6f5cd5a57770231828',
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
