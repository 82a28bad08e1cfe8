/**
 * Loads a normalised Chainlink round file
 * (`round_id,phase_id,aggregator_round_id,answer,price,started_at,updated_at,answered_in_round`)
 * into the model's ChainlinkRound shape, validating every row: ids consistent with the phase
 * encoding (phaseId << 64 | aggregatorRoundId) and increasing, answers positive, `price` equal to
 * answer / 1e8 exactly, times ordered. Nothing is returned from a malformed file.
 */
import type { ChainlinkRound } from '../sim/oracle/chainlink-feed.ts';
import { parseUnits } from '../sim/math/units.ts';
import { columnOf, forEachRecord } from './csv-records.ts';
import { ErrorCollector } from './error-collector.ts';
import { InputError } from './input-error.ts';
import { parseTimestamp } from './candle-loader.ts';

export const ROUND_HEADER = ['round_id', 'phase_id', 'aggregator_round_id', 'answer', 'price', 'started_at', 'updated_at', 'answered_in_round'] as const;
export const PHASE_SHIFT = 64n;

export interface RoundSeries {
  readonly source: string;
  readonly rounds: ChainlinkRound[];
}

/** roundId of aggregator round `n` in phase `phase`, as Chainlink's proxies encode it. */
export function phaseRoundId(phase: bigint, aggregatorRound: bigint): bigint {
  return (phase << PHASE_SHIFT) | aggregatorRound;
}

/** answer / 1e8 with all 8 decimals ("1908.18855732"). */
export function fixed8(answer: bigint): string {
  const digits = answer.toString().padStart(9, '0');
  return `${digits.slice(0, -8)}.${digits.slice(-8)}`;
}

function parseUint(text: string): bigint | undefined {
  return /^\d+$/.test(text) ? BigInt(text) : undefined;
}

export async function loadRounds(file: string, options: { from?: number; to?: number; maxErrors?: number } = {}): Promise<RoundSeries> {
  const errors = new ErrorCollector(file, options.maxErrors);
  const rounds: ChainlinkRound[] = [];
  let prev: { id: bigint; updatedAt: number; line: number } | undefined;
  let rows = 0;
  const from = options.from ?? Number.NEGATIVE_INFINITY;
  const to = options.to ?? Number.POSITIVE_INFINITY;

  await forEachRecord(file, (f, line) => {
    if (line === 1) {
      if (f.length !== ROUND_HEADER.length || f.some((x, i) => x !== ROUND_HEADER[i])) {
        const i = ROUND_HEADER.findIndex((h, k) => f[k] !== h);
        throw new InputError(
          { file, line: 1, column: columnOf(f, i < 0 ? ROUND_HEADER.length : i), field: ROUND_HEADER[i] ?? '(extra column)' },
          `wrong header: expected "${ROUND_HEADER.join(',')}", found "${f.join(',')}"`,
        );
      }
      return;
    }
    rows++;
    if (f.length !== ROUND_HEADER.length) {
      errors.add({ line, column: 1 }, `expected ${ROUND_HEADER.length} fields, found ${f.length === 1 && f[0] === '' ? 'an empty line' : f.length}`);
      return;
    }
    const at = (k: number) => ({ line, column: columnOf(f, k), field: ROUND_HEADER[k] });
    const ints: bigint[] = [];
    for (const k of [0, 1, 2, 3, 7]) {
      const v = parseUint(f[k] as string);
      if (v === undefined) errors.add(at(k), `"${f[k]}" is not a non-negative integer`);
      ints[k] = v ?? -1n;
    }
    const started = parseTimestamp(f[5] as string);
    const updated = parseTimestamp(f[6] as string);
    if (typeof started === 'string') errors.add(at(5), started);
    if (typeof updated === 'string') errors.add(at(6), updated);
    if (ints.some((v) => v === -1n) || typeof started === 'string' || typeof updated === 'string') return;
    const [roundId, phase, aggRound, answer] = ints as [bigint, bigint, bigint, bigint];
    const answeredIn = ints[7] as bigint;
    if (answer <= 0n) return errors.add(at(3), `answer must be positive, found ${f[3]}`);
    if (roundId !== phaseRoundId(phase, aggRound)) return errors.add(at(0), `round_id ${roundId} is not phase ${phase} << 64 | round ${aggRound}`);
    // The files print answer / 1e8 with 8 decimals; anything else is parsed exactly to compare.
    let price: bigint | undefined = f[4] === fixed8(answer) ? answer : undefined;
    if (price === undefined) {
      try {
        price = parseUnits(f[4] as string, 8);
      } catch {
        price = undefined;
      }
    }
    if (price !== answer) return errors.add(at(4), `price "${f[4]}" is not answer ${answer} / 1e8`);
    if (started > updated) return errors.add(at(5), `started_at ${started} is after updated_at ${updated}`);
    if (answeredIn < roundId) return errors.add(at(7), `answered_in_round ${answeredIn} is before round ${roundId} (a stale answer)`);
    if (prev && roundId <= prev.id) {
      return errors.add(at(0), roundId === prev.id ? `duplicate round ${roundId} (also on line ${prev.line})` : `out of order: round ${roundId} after ${prev.id} (line ${prev.line})`);
    }
    if (prev && updated < prev.updatedAt) return errors.add(at(6), `updated_at ${updated} is before the previous round's ${prev.updatedAt} (line ${prev.line})`);
    prev = { id: roundId, updatedAt: updated, line };
    if (updated >= from && updated < to && errors.count === 0) rounds.push({ roundId, answer, startedAt: started, updatedAt: updated });
  });
  if (!prev && errors.count === 0) errors.add({ line: rows > 0 ? 2 : 1 }, 'no data rows after the header');
  errors.throwIfAny();
  return { source: file, rounds };
}
