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
    sha256: 'cb872388c5902655e02df464153add3c04a74d6727e8915c6f2e8fb16773ce3a',
  },
  'crosscheck-black-thursday (perp-v1 rules)': {
    scenario: 'scenarios/runs/crosscheck-black-thursday.json',
    edit: (s) => {
      s.profile = 'perp-v1';
    },
    lines: 41152,
    // Re-pinned (issue 11): perp-v1's index feed is Perp v1's L2PriceFeed, so OracleRound answers carry 18 decimals.
    sha256: '509ea582eb12d5f48cc5a25321adc7cc79e54722fe507e4aa6cdb35be34b4671',
  },
  'black-thursday-2020 (default)': {
    scenario: 'scenarios/runs/black-thursday-2020.json',
    lines: 54136,
    sha256: '9ddc3cf7af2965dda1b1cce0be53d7f53523a1fa9ff98480ba3d7c9214ce7f53',
  },
  'may19-2021 (default)': {
    scenario: 'scenarios/runs/may19-2021.json',
    lines: 171556,
    sha256: '2f8bf5be95eb9fa3a732dc40a16df7c33160ddbe96cfb1771f009914a2a14ae3',
  },
  'aug5-2024 (default)': {
    scenario: 'scenarios/runs/aug5-2024.json',
    lines: 112457,
    sha256: 'fc9496966dc90bf7ff5cc73e423a2d6c1a2933b8b7dfce8f54657dbe3d0d68bb',
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
