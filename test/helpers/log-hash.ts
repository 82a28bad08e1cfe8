/** A run's event log, hashed line by line (sha256 hex): runs compared byte for byte without keeping their logs. */
import { createHash } from 'node:crypto';
import { parseRunScenario, resolveRun } from '../../scenarios/run-loader.ts';
import type { EventSink } from '../../sim/engine/event-log.ts';
import { runSimulation } from '../../sim/engine/run-simulation.ts';

export async function runLogHash(scenarioText: string): Promise<string> {
  const hash = createHash('sha256');
  const sink: EventSink = {
    write: (_e, line) => {
      hash.update(line);
      hash.update('\n');
    },
    close() {},
  };
  await runSimulation(await resolveRun(parseRunScenario(scenarioText)), { sinks: [sink] });
  return hash.digest('hex');
}
