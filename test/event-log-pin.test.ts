/**
 * The exactness pin: the bundled runs' event logs, byte for byte, by SHA-256. A speed-up must
 * leave every one of them unchanged (one wei anywhere changes the hash). A change that is meant
 * to change a log (a new agent behaviour, a fixed rule) updates the pin here and says why in its
 * commit; the failure message prints the new hash and line count to paste in. Each run's
 * summary (built from the events as the engine made them) must also equal the summary rebuilt
 * from its log's lines.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseRunScenario, resolveRun } from '../scenarios/run-loader.ts';
import type { EventSink, LoggedEvent } from '../sim/engine/event-log.ts';
import { runSimulation } from '../sim/engine/run-simulation.ts';
import { SummaryBuilder } from '../sim/engine/summary.ts';

/** Hashes the JSON Lines log as `vamm run` writes it (each line then '\n'), and rebuilds the summary from the lines. */
class HashSink implements EventSink {
  readonly needsLine = true;
  readonly readsRecords = true;
  private readonly hash = createHash('sha256');
  readonly rebuilt = new SummaryBuilder();
  lines = 0;
  write(_e: LoggedEvent, line: string): void {
    this.hash.update(line);
    this.hash.update('\n');
    this.rebuilt.write(JSON.parse(line) as LoggedEvent);
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
    lines: 30299,
    sha256: '96a2c9288d83d8306d787212a840d7c4eabd31f621aa902e8a9a36fcfe4251d4',
  },
  'crosscheck-black-thursday (perp-v1 rules)': {
    scenario: 'scenarios/runs/crosscheck-black-thursday.json',
    edit: (s) => {
      s.profile = 'perp-v1';
    },
    lines: 43366,
    // Re-pinned for issue 11 (perp-v1's index feed is Perp v1's L2PriceFeed: OracleRound answers carry 18 decimals) and issue 12 (the agents);
    // issue 13: hedged agents move collateral between their venue and the chain (9 withdrawals from the venue, 172,882 USD
    // added as isolated margin; 52,464 sent back): 92 liquidations against 86, no bad debt either way, the fund +37 USD.
    sha256: '6ab27560b7b3091040c74cb1de3dcead08b8bcba76c2089e3ef2594b329cae5b',
  },
  'black-thursday-2020 (default)': {
    scenario: 'scenarios/runs/black-thursday-2020.json',
    // Issue 13: hedged agents move collateral between their venue and the chain. Bad debt 8,090 → 71,698 USD, no hedged
    // agent liquidated either way: 64,422 of it is the whale's last liquidation, one minute earlier (23:29:12, mark 93,
    // against 23:30:12 at 102) in a block arbitrageur-5's withdrawal for its venue created (liquidators look when the state changes).
    lines: 54960,
    sha256: '327eaa84db65af2394b97c79e2175bd7ed5a5478d42e48e22ad924c86c8cd9c9',
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
      const { summary } = await runSimulation(await resolveRun(parseRunScenario(JSON.stringify(scenario), pin.scenario)), { sinks: [sink] });
      const got = { lines: sink.lines, sha256: sink.digest() };
      expect(got, `${name}: the event log changed; if that is intended, pin ${JSON.stringify(got)} and say why in the commit`).toEqual({
        lines: pin.lines,
        sha256: pin.sha256,
      });
      expect(JSON.stringify(sink.rebuilt.result()), `${name}: the summary differs from the one its log's lines rebuild`).toBe(JSON.stringify(summary));
    });
  }
});
