/**
 * A simulation's event log (`vamm run` → events.jsonl) as a replay input: the run's set-up
 * (markets, the oracle's first round, the insurance fund, funded and deposited accounts, from
 * RunStarted) becomes the scenario header and first steps; every oracle round, fast-feed update,
 * agent action (accepted or reverted, with the exact wei arguments it was called with) and k
 * change becomes a step at its block and timestamp. The harness then replays it through the
 * model and the contracts and compares them after every transaction.
 */
import { InputError } from '../../data/input-error.ts';
import { type LoggedEvent, readEventLog } from '../../sim/engine/event-log.ts';
import { ROUTER_REASONS } from '../../sim/engine/order-router.ts';
import { fromWei } from '../../sim/math/units.ts';
import { indexAnswerScale } from '../../sim/params.ts';
import type { Json } from '../../sim/state-view.ts';
import { replayInputFromJson } from './input.ts';
import type { ReplayInput } from './replay.ts';

type Obj = Record<string, Json>;

/** Wei integer strings as exact decimals (the script format's money), recursively. */
function human(value: Json): Json {
  if (typeof value === 'string' && /^-?\d+$/.test(value)) return fromWei(BigInt(value));
  if (Array.isArray(value)) return value.map(human);
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, human(v)]));
  return value;
}

const AGENT_ACTIONS: Record<string, string> = {
  open: 'openPosition',
  close: 'closePosition',
  liquidate: 'liquidate',
  settleFunding: 'settleFunding',
  deposit: 'deposit',
  withdraw: 'withdraw',
  addMargin: 'addMargin',
  removeMargin: 'removeMargin',
};

/**
 * The replay file (scenario header + timed `log`) for a run's events, in order. With `checks`,
 * each agent action also carries what the run saw: the revert it met, or the trader's position
 * size after it, exactly (so a script made of it fails if the model ever acts differently).
 */
export function replayJsonFromEvents(events: Iterable<LoggedEvent>, file: string, o: { checks?: boolean } = {}): Record<string, Json> {
  let header: Obj | null = null;
  const log: Obj[] = [];
  let lastAction: { entry: Obj; trader: string } | null = null;
  const step = (e: LoggedEvent, name: string, args: Json) => log.push({ blockNumber: e.blockNumber, timestamp: e.timestamp, [name]: args });
  // Rounds in the log carry the index feed's decimals; the set-up's first round is Chainlink data (8).
  let answerScale = indexAnswerScale('default');
  for (const e of events) {
    switch (e.type) {
      case 'RunStarted': {
        answerScale = indexAnswerScale(e.profile as string);
        const config = e.config as Obj;
        const setup = e.setup as Obj | undefined;
        if (!setup) throw new InputError({ file }, 'RunStarted has no set-up record: the log was written before runs could be replayed; run the scenario again');
        if (setup.book) throw new InputError({ file }, 'the run opened a book of positions before its first block (an insurance-study population): its replay is not supported yet');
        const { depth: _depth, ...market } = config.market as Obj;
        const markets = (setup.markets as Obj[]).map((m) => ({ ...(human(market) as Obj), id: m.id as string, quoteReserve: human(m.quoteReserve as string), baseReserve: human(m.baseReserve as string) }));
        const accounts = setup.accounts as Obj[];
        header = {
          name: config.name as string,
          description: `replay of the run ${config.name as string} (seed ${e.seed as number})`,
          profile: config.profile as string,
          ...(config.clearingHouse ? { clearingHouse: human(config.clearingHouse) } : {}),
          clock: { timestamp: e.timestamp, block: e.blockNumber, secondsPerBlock: setup.blockTime as number },
          markets,
          insuranceFund: human(e.insuranceFund as string),
          wallets: Object.fromEntries(accounts.filter((a) => (a.capital as string) !== '0').map((a) => [a.id as string, human(a.capital as string)])),
          backstopLiquidityProviders: setup.backstopLiquidityProviders as Json,
        };
        for (const m of setup.markets as Obj[]) {
          const o = m.oracle as Obj;
          step(e, 'setOraclePrice', { market: m.id as string, price: fromWei(BigInt(o.answer as string) * 10n ** 10n), updatedAt: o.updatedAt as number, roundId: o.roundId as string });
        }
        for (const a of accounts) if (a.deposited) step(e, 'deposit', { trader: a.id as string, amount: human(a.capital as string) });
        break;
      }
      case 'OracleRound':
        step(e, 'setOraclePrice', { market: e.market as string, price: fromWei(BigInt(e.answer as string) * answerScale), updatedAt: e.updatedAt as number, roundId: e.roundId as string });
        break;
      case 'FastPrice':
        step(e, 'setFastPrice', { market: e.market as string, price: human(e.price as string), confidence: human(e.confidence as string), publishTime: e.publishTime as number });
        break;
      case 'AgentAction': {
        const name = AGENT_ACTIONS[e.action as string];
        // Refused before any protocol call (bad input, or the agent's router): nothing to replay.
        if (!name || e.reason === 'InvalidAgentAction' || ROUTER_REASONS.has(e.reason as string)) break;
        // The engine logs the call's arguments under the script's names, money in wei.
        const args = { ...(e.args as Obj) };
        for (const k of ['margin', 'leverage', 'amount']) if (typeof args[k] === 'string') args[k] = fromWei(BigInt(args[k] as string));
        step(e, name, args);
        const entry = log.at(-1) as Obj;
        if (o.checks && !e.ok) entry.expectRevert = e.reason as string;
        lastAction = e.ok ? { entry, trader: (args.trader ?? '') as string } : null;
        break;
      }
      // The treasury's collateral moves: tokens from the venue enter the chain; tokens sent to it leave the wallet.
      case 'CollateralArrived':
        step(e, 'mint', { to: e.agent as string, amount: human(e.amount as string) });
        break;
      case 'CollateralSent':
        step(e, 'transfer', { from: e.agent as string, to: e.to as string, amount: human(e.amount as string) });
        break;
      case 'PositionChanged':
        if (o.checks && lastAction && e.trader === lastAction.trader) lastAction.entry.expect = { 'events.PositionChanged.positionSizeAfter': e.positionSizeAfter as string };
        break;
      case 'LiquidityMigrated':
        step(e, 'migrateLiquidity', { market: e.market as string, multiplier: human(e.multiplier as string), remap: e.remap as string });
        break;
      case 'FaultInjected':
        step(e, e.action as string, e.args as Json);
        break;
    }
  }
  if (!header) throw new InputError({ file }, 'no RunStarted event: not a vamm run event log');
  return { ...header, log };
}

/**
 * A replay file as a scripted scenario (`vamm script`): each timed entry preceded by the clock
 * advance that brings the script to its block and timestamp.
 */
export function scriptFromReplayJson(replay: Record<string, Json>): Record<string, Json> {
  const { log, ...header } = replay as Obj & { log: Obj[]; clock: { timestamp: number; block: number } };
  let time = header.clock.timestamp;
  let block = header.clock.block;
  const steps: Obj[] = [];
  for (const { blockNumber, timestamp, ...step } of log) {
    const t = timestamp as number;
    const b = blockNumber as number;
    if (t !== time || b !== block) steps.push({ advance: { seconds: t - time, blocks: b - block } });
    time = t;
    block = b;
    steps.push(step);
  }
  return { ...header, steps };
}

/** Reads a run's events.jsonl into a replay input (validated by the scenario loader). */
export async function loadEngineLog(file: string): Promise<ReplayInput> {
  const events: LoggedEvent[] = [];
  for await (const e of readEventLog(file)) events.push(e);
  return replayInputFromJson(replayJsonFromEvents(events, file), file);
}
