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
    lines: 21527,
    sha256: '22eff4dfa5536ea1236071e2a4ff53061651b53f5dbf91e0926f21e89acfea53',
  },
  'crosscheck-black-thursday (perp-v1 rules)': {
    scenario: 'scenarios/runs/crosscheck-black-thursday.json',
    edit: (s) => {
      s.profile = 'perp-v1';
    },
    lines: 28748,
    sha256: '399a36d48c2766507e3c68438a3219cc570f2a8549815cffe29a10f35081dce9',
  },
  'black-thursday-2020 (default)': {
    scenario: 'scenarios/runs/black-thursday-2020.json',
    lines: 89122,
    sha256: '80ba12f5750a376e8ae5c5115e43f85a94903ffede8a8351e97bccdcb0225080',
  },
  'may19-2021 (default)': {
    scenario: 'scenarios/runs/may19-2021.json',
    lines: 113043,
    sha256: '025ea394fe814d963f1d10bbf3f91b198a1cd372b10d562694b8b9fc6c0900cd',
  },
  'aug5-2024 (default)': {
    scenario: 'scenarios/runs/aug5-2024.json',
    lines: 90636,
    sha256: '694225cbe3fcabc3351841c81d019b3a5300babd34126192656edc2cf587f200',
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
