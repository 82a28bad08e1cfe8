/**
 * The cross-check: replays a list of timed actions (a scripted scenario's steps, or an engine
 * event log: the same Action shape plus block number and timestamp) through the model
 * (scenarios/script-runner.ts applyAction) and as transactions on anvil, at the same block
 * timestamps, and compares every state field (and every position's views), each transaction's
 * status, revert reason and events. By default the state is compared once per mined block, many
 * blocks pipelined in one JSON-RPC batch; a block that diverges is replayed again transaction by
 * transaction, so each difference is still reported with its step, the field, both values and
 * the action prefix that reproduces it.
 */
import { type Abi, type Hex, encodeFunctionData, toHex } from 'viem';
import { functionCodec } from './function-codec.ts';
import { CHAINLINK_FAULTS } from '../../sim/oracle/chainlink-feed.ts';
import type { ClearingHouseParams } from '../../sim/params.ts';
import { type Json, toJson } from '../../sim/state-view.ts';
import { TOKEN_SCALE as WEI_PER_UNIT } from '../../sim/math/units.ts';
import { type World, applyAction, buildWorld, clearingHouseParamsWith, dustAccountNames, marketParamsOf, profileWithOverrides, tryAction } from '../../scenarios/script-runner.ts';
import type { Action, Script } from '../../scenarios/script-schema.ts';
import type { ProfileName } from '../../sim/params.ts';
import { AnvilError } from './anvil.ts';
import type { Artifacts } from './compile.ts';
import { diffFlatStates, gasStatistics } from './compare.ts';
import { type ChainSetup, DEAD, DEPLOYER, KEEPER, type MarketDeployment, type Receipt, actorAddress, addressOf, marketConfig, marketKey, startChain } from './chain.ts';
import { DEFAULT_PROFILE } from '../../sim/params.ts';
import { GUARDIAN as GUARDIAN_NAME, OWNER as OWNER_NAME } from '../../sim/vault.ts';
import { LOST, YIELD_SOURCE } from '../../sim/yield-source.ts';
import { type CanonicalEvent, canonicalChainEvents, canonicalModelEvents, chainParamLeaves, formatEvent, sameEvent } from './events.ts';
import { type FlatState, accountsIn, decodeChainState, decodeViews, lensRequest, readChainState, readModelState, readModelViews, viewsRequest } from './state.ts';

/** One action at a point in time: a script step, or an engine log entry (block and timestamp given). */
export interface TimedAction {
  readonly action: Action;
  readonly blockNumber?: number;
  readonly timestamp?: number;
}

export interface ReplayInput {
  readonly header: Omit<Script, 'steps'>;
  readonly actions: readonly TimedAction[];
}

export interface Divergence {
  readonly step: number;
  readonly action: string;
  readonly field: string;
  readonly model: string;
  readonly chain: string;
  /** The actions up to and including this step, as JSON: replaying them (after the scenario's set-up) reproduces it. */
  readonly reproduce: Json[];
  /**
   * Set when the block-end comparison found it and no step-by-step pass located it: the state
   * differed at the end of the block holding these steps.
   */
  readonly block?: { readonly firstStep: number; readonly lastStep: number };
}

export interface GasStats {
  readonly count: number;
  readonly min: number;
  readonly median: number;
  readonly max: number;
}

export interface ReplayReport {
  readonly name: string;
  readonly steps: number;
  readonly transactions: number;
  readonly reverted: number;
  readonly blocks: number;
  readonly divergences: Divergence[];
  readonly gas: Record<string, GasStats>;
  readonly seconds: number;
  readonly transactionsPerSecond: number;
  readonly modelSeconds: number;
  /** When the state was compared: after every transaction, or once per mined block. */
  readonly compare: ReplayCompare;
  /**
   * After a block-end comparison diverged: the second pass that replayed again, comparing after
   * every transaction from the first divergent block's first step, so each divergence names its step.
   */
  readonly located?: { readonly fromStep: number; readonly seconds: number };
  /** With the stepGas option: every transaction's gas in step order. */
  readonly stepGas?: StepGas[];
}

/**
 * `transaction`: the whole state (and the views) after every transaction, read from the pending
 * block as it grows. `block`: once per mined block, with the block's requests pipelined with its
 * neighbours' in one JSON-RPC batch; events, statuses and revert reasons stay per transaction, and
 * a divergence found at a block's end is located by a second pass that compares that block (and
 * what follows) transaction by transaction.
 */
export type ReplayCompare = 'block' | 'transaction';

export interface ReplayOptions {
  readonly forkUrl?: string;
  /** With forkUrl: the block to fork (its timestamp must be before the scenario's start). */
  readonly forkBlockNumber?: number;
  /** Stop after this many divergences (default 20). */
  readonly maxDivergences?: number;
  readonly onProgress?: (done: number, total: number) => void;
  /** Told each set-up step before it starts (compiling, deploying), before any progress. */
  readonly onPhase?: (phase: string) => void;
  /**
   * Changes the model after the set-up is compared and before the first step: for testing that
   * the harness reports a divergence (a model that no longer matches the contracts).
   */
  readonly afterSetup?: (world: World, chain: ChainSetup) => void;
  /** Also compare every open position's views (margin ratios, PnL, free collateral…) with the state; default true. */
  readonly views?: boolean;
  /** Default `block` (see ReplayCompare). */
  readonly compare?: ReplayCompare;
  /** Changes the model after a step is applied: for testing that a divergence made mid-block is located at its step. */
  readonly afterStep?: (step: number, world: World) => void;
  /** Also report each transaction's gas by step (ReplayReport.stepGas). */
  readonly stepGas?: boolean;
  /** Contracts compiled elsewhere (e.g. from another git ref: contracts/harness/compile.ts compileContracts({ srcDir })). */
  readonly artifacts?: Artifacts;
  /**
   * false: only run the actions on the chain (no comparison with the model, no divergences) — for
   * checking properties of contracts the model is not the twin of, such as an older version.
   */
  readonly checkModel?: boolean;
  /** Reads queued after each step's transactions, in the same block (the state right after the step). */
  readonly probe?: (step: number, ctx: ProbeContext) => readonly Probe[];
}

/** One transaction's gas, by the step that sent it. */
export interface StepGas {
  readonly step: number;
  readonly op: string;
  readonly gas: number;
  readonly reverted: boolean;
}

/** What a probe may read: the deployment, and the JSON-RPC connection its requests go through. */
export interface ProbeContext {
  readonly rpc: ChainSetup['rpc'];
  readonly core: ChainSetup['core'];
  readonly artifacts: Artifacts;
  readonly markets: ReadonlyMap<string, MarketDeployment>;
  /** A model name's address (traders, the vault, the yield source). */
  readonly address: (name: string) => Hex;
  /** The timestamp of the block the step ran in. */
  readonly timestamp: number;
}

/** One read: a JSON-RPC request (an eth_call on the pending block) and what to do with its answer. */
export interface Probe {
  readonly request: { method: string; params: unknown[] };
  readonly onResult: (r: { ok: boolean; result: unknown }) => void;
}

const CHAIN_ACTIONS = new Set<Action['name']>([
  'setOraclePrice', 'setOracleFault', 'setFastPrice', 'mint', 'transfer', 'deposit', 'withdraw', 'openPosition', 'closePosition', 'addMargin', 'removeMargin', 'liquidate',
  'settleFunding', 'migrateLiquidity', 'repeg', 'shutdown', 'settlePosition', 'setClearingHouseParams', 'setMarketParams', 'setWhitelist',
  'remapPositions', 'setYieldSource', 'depositToYield', 'withdrawFromYield', 'recognizeYieldLoss', 'tripCircuitBreaker', 'yieldSourceLoss',
  'setYieldSourceLiquidity', 'dustAccounts',
]);
/** Actions with no chain state in the default design (backstop LPs are a perp-v1 mechanism). */
const MODEL_ONLY = new Set<Action['name']>(['advance', 'expect', 'setBackstopLiquidityProvider', 'ammQuote']);

export class UnsupportedError extends Error {
  override name = 'UnsupportedError';
}

/** Refuses what the contracts do not implement, before anything runs. */
export function checkReplayable(input: ReplayInput): void {
  const h = input.header;
  const problems: string[] = [];
  if (h.profile !== 'default') problems.push(`profile "${h.profile}": the contracts implement the default design`);
  if (h.clearingHouse?.partialLiquidationRatio !== undefined) problems.push('partialLiquidationRatio (fixed-ratio liquidation) is a perp-v1 mechanism');
  input.actions.forEach(({ action }, i) => {
    if (CHAIN_ACTIONS.has(action.name) || MODEL_ONLY.has(action.name)) {
      if (action.name === 'migrateLiquidity' && action.args.remap === 'lazy') problems.push(`step ${i}: the lazy remap is Perp v1's legacy design`);
      if (action.name === 'setClearingHouseParams' && action.args.partialLiquidationRatio !== undefined) problems.push(`step ${i}: fixed-ratio liquidation`);
      return;
    }
    problems.push(`step ${i}: ${action.name} has no contract twin (a perp-v1 test double or an AMM-only swap)`);
  });
  if (problems.length > 0) throw new UnsupportedError(`not replayable on the contracts:\n  ${problems.join('\n  ')}`);
}

function fastPriceToPyth(price: bigint, confidence: bigint): { price: bigint; conf: bigint; expo: number } {
  for (let expo = -18; expo <= 0; expo++) {
    const unit = 10n ** BigInt(18 + expo);
    if (price % unit !== 0n || confidence % unit !== 0n) continue;
    const p = price / unit;
    const c = confidence / unit;
    if (p < 2n ** 63n && c < 2n ** 64n) return { price: p, conf: c, expo };
  }
  throw new UnsupportedError(`fast price ${price} (confidence ${confidence}) has no exact Pyth form (int64 and uint64 with one exponent)`);
}

interface PendingTx {
  readonly step: number;
  readonly op: string;
  hash: Hex;
  /** The model's revert reason, or null where the model succeeded. */
  readonly expectedRevert: string | null;
  /** The receipt's status, once read. */
  succeeded?: boolean;
  /** How many actions reproduce it. */
  readonly prefix: number;
}

type RpcRequest = { method: string; params: unknown[] };
type Answer = { ok: boolean; result: unknown };

interface Queued {
  /** The request, or a function that builds it from earlier answers when its batch is sent (null: nothing to send). */
  readonly request: RpcRequest | (() => RpcRequest | null);
  /** Told the answer as soon as it arrives, before the next batch is built. */
  readonly onAnswer?: (r: Answer) => void;
  /** Told the answer after the next batch has been sent (the checks, while anvil works). */
  readonly onResult?: (r: Answer) => void;
}

/** The model's state taken at a block's end, to compare with the mined block's. */
interface BlockEnd {
  readonly afterStep: number;
  readonly state: FlatState;
  readonly views: FlatState | null;
  readonly holders: string[];
  /** The accounts read (those the block's actions name), or null for every account. */
  readonly only: ReadonlySet<string> | null;
  readonly prefix: number;
}

/** One chain block being built: one model block's transactions. */
interface OpenBlock {
  readonly modelBlock: number;
  readonly chainBlock: number;
  readonly timestamp: number;
  readonly txs: PendingTx[];
  readonly modelEvents: Map<number, CanonicalEvent[]>;
  readonly labels: Map<number, string>;
  /** The first and last steps that joined the block (the set-up's own transactions are step -1). */
  firstStep: number;
  lastStep: number;
  /** Whether some step in it is compared at the block's end (not after its own transaction). */
  endCompared: boolean;
  end: BlockEnd | null;
  /** The accounts the block's actions name. */
  readonly touched: Set<string>;
  /** Where a second pass starts to locate a divergence found here: after the last block whose whole state was read. */
  readonly locateFrom: number;
  /** Whether the block's batches read its pending state (a per-transaction comparison, a probe): then its mine goes out alone. */
  readsPending: boolean;
}

/** Requests per JSON-RPC batch at most. */
const BATCH_REQUESTS = 1500;
/**
 * Blocks compared at their end read the market, the totals and the accounts their actions name;
 * every this many blocks (and the last) they read every account, so a write to an account no
 * action named is caught within this many blocks and located from the last whole read.
 */
const WHOLE_STATE_EVERY = 32;
/** Batches sent and not yet checked at most (the model's lead over the chain). */
const MAX_BATCHES_IN_FLIGHT = 16;

function revertHex(result: unknown): Hex {
  return typeof result === 'string' && result.startsWith('0x') ? (result as Hex) : '0x';
}

export async function replay(input: ReplayInput, options: ReplayOptions = {}): Promise<ReplayReport> {
  checkReplayable(input);
  if ((options.compare ?? 'block') === 'transaction') return (await replayPass(input, options, 0)).report;
  const pass = await replayPass(input, options, Number.POSITIVE_INFINITY);
  if (pass.locateFrom === null) return pass.report;
  // A block-end comparison only says which block diverged: replay again (the model and chain are
  // deterministic), comparing after every transaction from that block on, to name the step.
  options.onPhase?.(`locating the divergence: replaying again, comparing after every transaction from step ${pass.locateFrom}`);
  const located = await replayPass(input, { ...options, onProgress: undefined }, pass.locateFrom);
  const exact = located.report.divergences.length > 0 ? located.report.divergences : pass.report.divergences;
  return { ...pass.report, divergences: exact, located: { fromStep: pass.locateFrom, seconds: located.report.seconds } };
}

/**
 * One replay: steps from `perTransactionFrom` on are compared after every transaction (pending
 * state), earlier ones at their block's end (the mined block). Returns the report and, when a
 * block compared at its end diverged, the first step of the first such block.
 */
async function replayPass(input: ReplayInput, options: ReplayOptions, perTransactionFrom: number): Promise<{ report: ReplayReport; locateFrom: number | null }> {
  let modelMs = 0;
  const h = input.header;
  const profile = profileWithOverrides(h.profile as ProfileName, h.clearingHouse);
  const t0 = Date.now();
  const world: World = buildWorld(h);
  modelMs += Date.now() - t0;
  const { ch } = world;
  const views = options.views ?? true;
  const checkModel = options.checkModel ?? true;
  const chain = await startChain({
    startBlock: ch.clock.blockNumber,
    startTimestamp: ch.clock.timestamp,
    params: profile.clearingHouse,
    ...(options.artifacts ? { artifacts: options.artifacts } : {}),
    ...(options.forkUrl ? { forkUrl: options.forkUrl } : {}),
    ...(options.forkBlockNumber !== undefined ? { forkBlockNumber: options.forkBlockNumber } : {}),
    ...(options.onPhase ? { onPhase: options.onPhase } : {}),
  });
  try {
    const { rpc, core, artifacts: A } = chain;
    const divergences: Divergence[] = [];
    const maxDivergences = options.maxDivergences ?? 20;
    const done: Json[] = [];
    const gas = new Map<string, number[]>();
    let transactions = 0;
    let reverted = 0;
    let blocks = 0;
    let locateFrom: number | null = null;
    const stepGas: StepGas[] | undefined = options.stepGas ? [] : undefined;

    // ------------------------------------------------------------------ names and addresses
    const names = new Set<string>(Object.keys(h.wallets ?? {}));
    for (const { action } of input.actions) {
      const a = action.args as Record<string, unknown>;
      for (const key of ['trader', 'liquidator', 'to', 'account', 'by']) if (typeof a[key] === 'string') names.add(a[key] as string);
      if (action.name === 'dustAccounts') for (const n of dustAccountNames(action.args.count)) names.add(n);
    }
    names.delete(GUARDIAN_NAME);
    names.delete(OWNER_NAME);
    const nameOf = new Map<string, string>();
    for (const n of names) nameOf.set(addressOf(n).toLowerCase(), n);
    nameOf.set(core.vault.toLowerCase(), 'vault');
    nameOf.set(core.yieldSource.toLowerCase(), YIELD_SOURCE);
    nameOf.set(DEAD.toLowerCase(), LOST);
    const special: Record<string, Hex> = { vault: core.vault, [YIELD_SOURCE]: core.yieldSource, [LOST]: DEAD };
    const addr = (name: string): Hex => special[name] ?? addressOf(name);

    // ------------------------------------------------------------------ setup block (the model's first block)
    const blockMap = new Map<number, number>(); // chain block → model block
    await rpc.setNextTimestamp(ch.clock.timestamp);
    const markets = new Map<string, MarketDeployment>();
    const deployAt = (name: string, args: unknown[]) => rpc.deploy(DEPLOYER, name, args);
    const sendFrom = (from: Hex, to: Hex, abi: Abi, functionName: string, args: unknown[]) =>
      rpc.send(from, to, encodeFunctionData({ abi, functionName, args } as never));
    for (const m of ch.markets.values()) {
      const key = marketKey(m.id);
      const aggregator = await deployAt('ReplayAggregator', [`${m.id} / USD`]);
      const vamm = await deployAt('Vamm', [core.clearingHouse, m.vamm.quoteReserve, m.vamm.baseReserve, m.vamm.tradeLimitRatio, m.vamm.fluctuationLimitRatio]);
      const o = m.params.oracle;
      const oracle = await deployAt('OracleAdapter', [core.clearingHouse, aggregator, core.pyth, key, BigInt(o.stalenessLimit), BigInt(o.fastMaxAge), o.fastMaxConfidenceRatio]);
      const round = m.oracle.chainlink.latestRound();
      if (round) await sendFrom(DEPLOYER, aggregator, A.ReplayAggregator!.abi, 'pushPrice', [round.answer * 10n ** 10n, BigInt(round.updatedAt), round.roundId]);
      await sendFrom(DEPLOYER, core.clearingHouse, A.ClearingHouseAdmin!.abi, 'addMarket', [key, vamm, oracle, marketConfig(m.params)]);
      markets.set(m.id, { id: m.id, key, vamm, oracle, aggregator });
    }
    await rpc.fundAll([...[...names].map(addressOf), KEEPER]);
    if (h.insuranceFund) {
      const units = h.insuranceFund / WEI_PER_UNIT;
      await sendFrom(DEPLOYER, core.usdc, A.MockUSDC!.abi, 'mint', [DEPLOYER, units]);
      await sendFrom(DEPLOYER, core.usdc, A.MockUSDC!.abi, 'approve', [core.vault, units]);
      await sendFrom(DEPLOYER, core.insuranceFund, A.InsuranceFund!.abi, 'seed', [h.insuranceFund]);
    }
    for (const [holder, amount] of Object.entries(h.wallets ?? {})) {
      await sendFrom(DEPLOYER, core.usdc, A.MockUSDC!.abi, 'mint', [addressOf(holder), amount / WEI_PER_UNIT]);
    }
    if (profile.clearingHouse.remapPageSize !== DEFAULT_PROFILE.clearingHouse.remapPageSize) {
      await sendFrom(DEPLOYER, core.clearingHouse, A.ClearingHouseAdmin!.abi, 'setParam', [marketKey('remapPageSize'), BigInt(profile.clearingHouse.remapPageSize)]);
    }
    // Every name approves the vault: one JSON-RPC batch (thousands of names in a dust flood).
    await rpc.knowNonces([...names].map(addressOf));
    const approve = encodeFunctionData({ abi: A.MockUSDC!.abi, functionName: 'approve', args: [core.vault, 2n ** 255n] });
    for (let i = 0, list = [...names]; i < list.length; i += 500) {
      const sent = await rpc.batch(list.slice(i, i + 500).map((n) => rpc.txRequest(addressOf(n), core.usdc, approve)));
      const failed = sent.find((s) => !s.ok);
      if (failed) throw new Error(`an approval was refused at set-up: ${String(failed.result)}`);
    }

    const abiByAddress = new Map<string, Abi>([
      [core.clearingHouse.toLowerCase(), [...A.ClearingHouse!.abi, ...A.ClearingHouseAdmin!.abi.filter((x) => x.type === 'event')] as Abi],
      [core.insuranceFund.toLowerCase(), A.InsuranceFund!.abi],
      [core.vault.toLowerCase(), A.Vault!.abi],
    ]);
    for (const m of markets.values()) abiByAddress.set(m.aggregator.toLowerCase(), A.ReplayAggregator!.abi);

    const holders = () => [...new Set<string>(['vault', ...names, ...ch.ledger.balances.keys()])];
    const stateContext = { rpc, core, markets, nameOf, blockMap, artifacts: A };
    /** Accounts a chain read has shown: the clearing house's list only grows, so later reads take them without a scan. */
    const chainAccounts = new Set<string>();
    const chainState = (list: readonly string[], data: Hex): FlatState => {
      const state = decodeChainState(stateContext, list, data);
      for (const account of accountsIn(state)) chainAccounts.add(account);
      return state;
    };

    const report = (step: number, action: string, field: string, model: string, chainValue: string, prefix = done.length, block?: OpenBlock, atEnd = false) => {
      // A divergence in a block compared at its end is located by a second pass from the block's first step.
      if (block?.endCompared && (locateFrom === null || block.locateFrom < locateFrom)) locateFrom = block.locateFrom;
      if (!checkModel || divergences.length >= maxDivergences) return;
      const where = atEnd && block ? { block: { firstStep: block.firstStep, lastStep: block.lastStep } } : {};
      divergences.push({ step, action, field, model, chain: chainValue, reproduce: done.slice(0, prefix), ...where });
    };
    // Requests go out in ordered JSON-RPC batches, each sent as soon as the one before is
    // answered, while the model runs ahead. Anvil runs a batch in order except that a mine, and
    // an eth_call, yield to the requests after them: a mine must be last in its batch, and no
    // read in that batch may look at the pending block or at the latest one (the mine replaces
    // it). So a block's last batch ends with its mine, and its reads (the state at its mined
    // number, receipts, revert reasons) go out two blocks later, when it is history; a block that
    // reads its pending state (a per-transaction comparison, a probe) is mined by a batch of its
    // own. One round trip per block. Answers are checked in order, whenever the replay waits.
    const queue: Queued[] = [];
    interface Sent { readonly part: Queued[]; answers: Promise<Answer[]>; answered: boolean }
    const sent: Sent[] = [];
    let lastAnswered: Promise<unknown> = Promise.resolve();
    /** Sends the queued requests as one batch once every earlier batch is answered. */
    const send = () => {
      if (queue.length === 0) return;
      const items = queue.splice(0);
      const batch: Sent = { part: [], answers: Promise.resolve([]), answered: false };
      batch.answers = lastAnswered.then(async () => {
        const requests: RpcRequest[] = [];
        for (const q of items) {
          const request = typeof q.request === 'function' ? q.request() : q.request;
          if (request === null) continue;
          batch.part.push(q);
          requests.push(request);
        }
        const answers = requests.length > 0 ? await rpc.batch(requests) : [];
        batch.part.forEach((q, k) => q.onAnswer?.(answers[k]!));
        batch.answered = true;
        return answers;
      });
      batch.answers.catch(() => {}); // a failure is thrown where the batch is checked
      lastAnswered = batch.answers;
      sent.push(batch);
    };
    /** Checks the batches answered so far (with `all`, waits for every one), in order. */
    const settle = async (all: boolean) => {
      await new Promise((resolve) => setImmediate(resolve)); // let arrived answers in
      while (sent.length > 0 && (all || sent[0]!.answered || sent.length > MAX_BATCHES_IN_FLIGHT)) {
        const batch = sent.shift()!;
        const answers = await batch.answers;
        batch.part.forEach((q, k) => q.onResult?.(answers[k]!));
      }
    };

    const compareStates = (step: number, action: string, modelState: FlatState, chainState: FlatState, prefix = done.length, block?: OpenBlock, atEnd = false) => {
      for (const d of diffFlatStates(modelState, chainState)) report(step, action, d.field, d.model, d.chain, prefix, block, atEnd);
    };

    // ------------------------------------------------------------------ the block being built
    // The set-up transactions open the model's first block; steps in that block join them.
    const setupHashes = await rpc.request<{ transactions: Hex[] }>('eth_getBlockByNumber', ['pending', false]);
    let chainHead = Number(await rpc.request<Hex>('eth_blockNumber'));
    let lastModelBlock = ch.clock.blockNumber;
    let locateNext = 0;
    const newBlock = (modelBlock: number, timestamp: number, txs: PendingTx[]): OpenBlock => {
      chainHead += 1;
      blockMap.set(chainHead, modelBlock);
      lastModelBlock = modelBlock;
      return {
        modelBlock, chainBlock: chainHead, timestamp, txs, modelEvents: new Map(), labels: new Map(),
        firstStep: Number.POSITIVE_INFINITY, lastStep: -1, endCompared: false, end: null,
        touched: new Set(), locateFrom: locateNext, readsPending: false,
      };
    };
    let openBlock: OpenBlock | null = newBlock(
      ch.clock.blockNumber,
      ch.clock.timestamp,
      setupHashes.transactions.map((hash) => ({ step: -1, op: 'setup', hash, expectedRevert: null, prefix: 0 })),
    );
    if (checkModel) {
      const setupState = await readChainState(stateContext, holders());
      for (const account of accountsIn(setupState)) chainAccounts.add(account);
      compareStates(-1, 'setup', readModelState(ch, holders()), setupState);
    }
    // Every sender's nonce up front, so no step waits for one while a batch is in flight.
    await Promise.all([DEPLOYER, KEEPER, ...[...names].map(addressOf)].map((from) => rpc.knowNonce(from)));
    options.afterSetup?.(world, chain);
    const replayStarted = Date.now();

    /** The model's state now, as the block's end (called before the model moves past the block). */
    const takeBlockEnd = (b: OpenBlock, last: boolean) => {
      const only = last || blocks % WHOLE_STATE_EVERY === 0 ? null : b.touched;
      const list = only ? holders().filter((x) => !names.has(x) || only.has(x)) : holders();
      b.end = { afterStep: b.lastStep, state: readModelState(ch, list, only ?? undefined), views: views ? readModelViews(ch) : null, holders: list, only, prefix: done.length };
    };

    /** Queues the block's mining, then its reads: the state at its end (when compared there), its header and its receipts. */
    let deferredReads: Queued[] = [];
    const finalizeBlock = async (b: OpenBlock) => {
      const blockTag = toHex(b.chainBlock);
      const first = b.txs[0]?.step ?? -1;
      if (b.readsPending) send();
      // evm_mine, not evm_mine_detailed: that one answers with every transaction whole (~4 % of a
      // replaying anvil's CPU); the block's header is read with its other reads below.
      const mine: Queued = {
        request: { method: 'evm_mine', params: [] },
        onResult: (r) => {
          if (!r.ok) report(first, 'block', 'block', 'mined', `not mined: ${String(r.result)}`, undefined, b);
        },
      };
      queue.push(mine);
      send();
      blocks++;
      // The reads of the block before go out with the next block's batch; this block's, after it.
      queue.push(...deferredReads);
      deferredReads = [];
      const reads = deferredReads;
      if (b.endCompared) {
        const end = b.end;
        if (!end || end.afterStep !== b.lastStep) throw new Error(`internal: block ${b.modelBlock} ends without the model's state after step ${b.lastStep}`);
        const label = b.labels.get(b.lastStep) ?? 'block';
        if (end.only === null) locateNext = b.lastStep + 1;
        reads.push({
          request: () => lensRequest(stateContext, end.holders, blockTag, end.only ?? undefined, chainAccounts),
          onResult: (r) => {
            if (!r.ok) report(b.lastStep, label, 'state', 'readable', `lens reverted: ${rpc.describeRevert(revertHex(r.result))}`, end.prefix, b, true);
            else compareStates(b.lastStep, label, end.state, chainState(end.holders, r.result as Hex), end.prefix, b, true);
          },
        });
        if (end.views) {
          const modelViews = end.views;
          reads.push({
            request: viewsRequest(stateContext, blockTag),
            onResult: (r) => {
              if (!r.ok) report(b.lastStep, label, 'views', 'readable', `lens reverted: ${rpc.describeRevert(revertHex(r.result))}`, end.prefix, b, true);
              else compareStates(b.lastStep, label, modelViews, decodeViews(stateContext, r.result as Hex), end.prefix, b, true);
            },
          });
        }
      }
      // The mined block at its number: its timestamp and its transactions (a transaction mined in
      // another block shows as its receipt missing from this block's, below).
      reads.push({
        request: { method: 'eth_getBlockByNumber', params: [blockTag, false] },
        onResult: (r) => {
          const mined = r.ok ? (r.result as { timestamp: Hex; transactions: unknown[] } | null) : null;
          if (!mined) {
            report(first, 'block', 'block', 'mined', r.ok ? 'missing at its number' : `unreadable: ${String(r.result)}`, undefined, b);
            return;
          }
          if (Number(mined.timestamp) !== b.timestamp) report(first, 'block', 'block.timestamp', String(b.timestamp), String(Number(mined.timestamp)), undefined, b);
          if (mined.transactions.length !== b.txs.length) report(first, 'block', 'block.transactions', String(b.txs.length), String(mined.transactions.length), undefined, b);
        },
      });
      reads.push({
        request: { method: 'eth_getBlockReceipts', params: [blockTag] },
        onResult: (r) => {
          const receipts = new Map<string, Receipt>();
          if (r.ok && Array.isArray(r.result)) for (const receipt of r.result as Receipt[]) receipts.set(receipt.transactionHash.toLowerCase(), receipt);
          const chainEvents = new Map<number, CanonicalEvent[]>();
          for (const tx of b.txs) {
            if (tx.hash === '0x') continue; // not accepted: reported when sent
            const receipt = receipts.get(tx.hash.toLowerCase());
            if (!receipt) {
              report(tx.step, tx.op, 'receipt', 'mined', 'missing', undefined, b);
              continue;
            }
            const ok = receipt.status === '0x1';
            tx.succeeded = ok;
            const expectRevert = tx.expectedRevert !== null;
            if (ok === expectRevert) report(tx.step, tx.op, 'status', expectRevert ? 'reverted' : 'success', ok ? 'success' : 'reverted', undefined, b);
            if (!ok) reverted++;
            if (tx.step < 0) continue;
            const key = ok ? tx.op : `${tx.op} (reverted)`;
            if (!gas.has(key)) gas.set(key, []);
            gas.get(key)!.push(Number(receipt.gasUsed));
            stepGas?.push({ step: tx.step, op: tx.op, gas: Number(receipt.gasUsed), reverted: !ok });
            const list = chainEvents.get(tx.step) ?? [];
            list.push(...canonicalChainEvents(receipt.logs, abiByAddress));
            chainEvents.set(tx.step, list);
          }
          for (const [step, expected] of b.modelEvents) {
            const got = chainEvents.get(step) ?? [];
            const n = Math.max(expected.length, got.length);
            for (let i = 0; i < n; i++) {
              if (!expected[i] || !got[i] || !sameEvent(expected[i]!, got[i]!)) {
                report(step, b.labels.get(step) ?? '?', `events[${i}]`, formatEvent(expected[i]), formatEvent(got[i]), undefined, b);
                break;
              }
            }
          }
        },
      });
      // Each revert the model expects, with the chain's reason: the mined transaction's own revert data.
      for (const tx of b.txs) {
        const expected = tx.expectedRevert;
        if (expected === null) continue;
        reads.push({
          request: () => (tx.hash === '0x' ? null : { method: 'ots_getTransactionError', params: [tx.hash] }),
          onResult: (r) => {
            if (tx.succeeded !== false) return; // a missing receipt or a success is reported already
            const chainReason = r.ok ? rpc.describeRevert(revertHex(r.result)) : `unreadable: ${String(r.result)}`;
            if (chainReason !== expected) report(tx.step, b.labels.get(tx.step) ?? tx.op, 'revert', expected, chainReason, tx.prefix, b);
          },
        });
      }
      await settle(false);
    };

    const ensureBlock = async (step: number): Promise<OpenBlock> => {
      const modelBlock = ch.clock.blockNumber;
      const timestamp = ch.clock.timestamp;
      if (openBlock && openBlock.modelBlock === modelBlock) {
        if (openBlock.timestamp !== timestamp) {
          throw new UnsupportedError(`step ${step}: the model moved time (${openBlock.timestamp} → ${timestamp}) within block ${modelBlock}; a chain block has one timestamp`);
        }
      } else {
        if (openBlock) await finalizeBlock(openBlock);
        if (modelBlock <= lastModelBlock) throw new UnsupportedError(`step ${step}: model block ${modelBlock} is not after the last replayed block ${lastModelBlock}`);
        queue.push({ request: { method: 'evm_setNextBlockTimestamp', params: [`0x${timestamp.toString(16)}`] } });
        openBlock = newBlock(modelBlock, timestamp, []);
      }
      const b = openBlock!;
      if (step < b.firstStep) b.firstStep = step;
      return b;
    };

    // ------------------------------------------------------------------ the steps
    const adm = A.ClearingHouseAdmin!.abi;
    const clearingHouseAbi = [...A.ClearingHouse!.abi, ...adm] as Abi;
    /** A call's data, through the codec prepared once per function (viem looks a name up and hashes it on every call). */
    const encode = (abi: Abi, functionName: string, args: readonly unknown[]) => functionCodec(abi, functionName).encode(args);
    for (let i = 0; i < input.actions.length; i++) {
      if (divergences.length >= maxDivergences) break;
      chain.anvils.forEach((a) => a.assertAlive());
      const { action, blockNumber, timestamp } = input.actions[i]!;
      // Before the model moves on: a block compared at its end takes the model's state now,
      // unless this step joins it as another transaction.
      if (openBlock?.endCompared && openBlock.end?.afterStep !== openBlock.lastStep) {
        const joins = CHAIN_ACTIONS.has(action.name) && (blockNumber ?? ch.clock.blockNumber) === openBlock.modelBlock;
        if (!joins) takeBlockEnd(openBlock, false);
      }
      if (blockNumber !== undefined) ch.clock.blockNumber = blockNumber;
      if (timestamp !== undefined) ch.clock.timestamp = timestamp;
      done.push(toJson({ [action.name]: action.args, ...(blockNumber !== undefined ? { blockNumber, timestamp } : {}) }));

      // The transactions, built from the state before the model applies the action.
      const txs: Array<{ from: Hex; to: Hex; data: Hex; op: string }> = [];
      const a = action.args as Record<string, unknown>;
      const m = typeof a.market === 'string' ? markets.get(a.market) : undefined;
      const chCall = (from: Hex, functionName: string, args: unknown[], op: string = action.name) =>
        txs.push({ from, to: core.clearingHouse, data: encode(clearingHouseAbi, functionName, args), op });
      const vaultCall = (from: Hex, functionName: string, args: unknown[]) =>
        txs.push({ from, to: core.vault, data: encode(A.Vault!.abi, functionName, args), op: action.name });
      const sourceCall = (functionName: string, args: unknown[]) =>
        txs.push({ from: DEPLOYER, to: core.yieldSource, data: encode(A.MockYieldVault!.abi, functionName, args), op: action.name });
      switch (action.name) {
        case 'setOraclePrice': {
          const x = action.args;
          txs.push({
            from: DEPLOYER, to: m!.aggregator, op: action.name,
            data: encode(A.ReplayAggregator!.abi, 'pushPrice', [x.price, BigInt(x.updatedAt ?? ch.clock.timestamp), x.roundId === undefined ? 0n : BigInt(x.roundId)]),
          });
          break;
        }
        case 'setOracleFault':
          txs.push({
            from: DEPLOYER, to: m!.aggregator, op: action.name,
            data: encode(A.ReplayAggregator!.abi, 'setFault', [CHAINLINK_FAULTS.indexOf(action.args.fault)]),
          });
          break;
        case 'setFastPrice': {
          const p = fastPriceToPyth(action.args.price, action.args.confidence);
          txs.push({
            from: DEPLOYER, to: core.pyth, op: action.name,
            data: encode(A.MockPyth!.abi, 'updatePrice', [m!.key, p.price, p.conf, p.expo, BigInt(action.args.publishTime ?? ch.clock.timestamp)]),
          });
          break;
        }
        case 'mint':
          txs.push({ from: DEPLOYER, to: core.usdc, op: action.name, data: encode(A.MockUSDC!.abi, 'mint', [addr(action.args.to), action.args.amount / WEI_PER_UNIT]) });
          break;
        case 'transfer':
          txs.push({ from: addressOf(action.args.from), to: core.usdc, op: action.name, data: encode(A.MockUSDC!.abi, 'transfer', [addr(action.args.to), action.args.amount / WEI_PER_UNIT]) });
          break;
        case 'deposit':
        case 'withdraw':
          chCall(addressOf(action.args.trader), action.name, [action.args.amount]);
          break;
        case 'openPosition': {
          const x = action.args;
          const choice = x.isolated === undefined ? 0 : x.isolated ? 2 : 1;
          chCall(addressOf(x.trader), 'openPosition', [m!.key, x.side === 'long', x.margin, x.leverage, x.baseLimit ?? 0n, choice]);
          break;
        }
        case 'closePosition':
          chCall(addressOf(action.args.trader), 'closePosition', [m!.key, action.args.quoteLimit ?? 0n]);
          break;
        case 'addMargin':
        case 'removeMargin':
          chCall(addressOf(action.args.trader), action.name, [m!.key, action.args.amount]);
          break;
        case 'liquidate':
          chCall(addressOf(action.args.liquidator), 'liquidate', [addressOf(action.args.trader), m!.key, action.args.quoteLimit ?? 0n]);
          break;
        case 'settleFunding':
          chCall(KEEPER, 'settleFunding', [m!.key]);
          break;
        case 'migrateLiquidity': {
          chCall(DEPLOYER, 'migrateLiquidity', [m!.key, action.args.multiplier, action.args.remap === 'none' ? 2 : 1, action.args.fluctuationLimitRatio ?? 0n]);
          // The model's migration pages to its end: so do the transactions (anyone may page on).
          // (Contracts from before paging — an older git ref's — migrate in one call.)
          const pages = Math.max(1, Math.ceil(ch.market(action.args.market).holders.length / ch.params.remapPageSize));
          const canPage = adm.some((x) => x.type === 'function' && x.name === 'remapPositions');
          if (action.args.complete !== false && canPage) for (let p = 1; p < pages; p++) chCall(KEEPER, 'remapPositions', [m!.key], 'remapPositions');
          break;
        }
        case 'remapPositions':
          chCall(KEEPER, 'remapPositions', [m!.key]);
          break;
        case 'setYieldSource':
          vaultCall(DEPLOYER, 'setYieldSource', [core.yieldSource, action.args.maxLossRatio]);
          break;
        case 'depositToYield':
        case 'withdrawFromYield':
          vaultCall(DEPLOYER, action.name, [action.args.amount / WEI_PER_UNIT]);
          break;
        case 'recognizeYieldLoss':
          vaultCall(KEEPER, 'recognizeYieldLoss', []);
          break;
        case 'tripCircuitBreaker':
          vaultCall(actorAddress(action.args.by), 'tripCircuitBreaker', []);
          break;
        case 'yieldSourceLoss':
          sourceCall('loseAssets', [action.args.amount / WEI_PER_UNIT]);
          break;
        case 'setYieldSourceLiquidity':
          sourceCall('setLiquidity', [action.args.amount === null ? 2n ** 256n - 1n : action.args.amount / WEI_PER_UNIT]);
          break;
        case 'dustAccounts':
          // Each account mints to itself (an open faucet), so its mint and deposit are ordered by its
          // nonce: a JSON-RPC batch of thousands is not run in order across senders.
          for (const n of dustAccountNames(action.args.count)) {
            txs.push({ from: addressOf(n), to: core.usdc, op: 'mint', data: encode(A.MockUSDC!.abi, 'mint', [addressOf(n), action.args.amount / WEI_PER_UNIT]) });
            chCall(addressOf(n), 'deposit', [action.args.amount], 'deposit');
            if (action.args.open) chCall(addressOf(n), 'openPosition', [markets.get(action.args.open)!.key, true, action.args.amount, 10n ** 18n, 0n, 0], 'openPosition');
          }
          break;
        case 'repeg':
          chCall(DEPLOYER, 'repeg', [m!.key, action.args.price]);
          break;
        case 'shutdown':
          chCall(DEPLOYER, 'shutdown', [m!.key]);
          break;
        case 'settlePosition':
          chCall(addressOf(action.args.trader), 'settlePosition', [addressOf(action.args.trader), m!.key]);
          break;
        case 'setClearingHouseParams': {
          const next = clearingHouseParamsWith(ch.params, action.args);
          for (const key of Object.keys(next) as Array<keyof ClearingHouseParams>) {
            if (JSON.stringify(toJson(next[key])) === JSON.stringify(toJson(ch.params[key]))) continue;
            for (const [name, value] of chainParamLeaves(key, next[key])) chCall(DEPLOYER, 'setParam', [marketKey(name), value], 'setParam');
          }
          break;
        }
        case 'setMarketParams': {
          const { market, ...rest } = action.args;
          const changes = Object.entries(marketParamsOf(rest)).flatMap(([k, v]) => chainParamLeaves(k, v)).map(([name, value]) => ({ name: marketKey(name), value }));
          chCall(DEPLOYER, 'setMarketParams', [markets.get(market)!.key, changes]);
          break;
        }
        case 'setWhitelist':
          chCall(DEPLOYER, 'setWhitelist', [action.args.account === null ? '0x0000000000000000000000000000000000000000' : addressOf(action.args.account)]);
          break;
        default:
          break;
      }

      // The model.
      const eventsBefore = ch.events.length;
      const tm = Date.now();
      const { result, revert } = tryAction(world, action);
      const revertReason = revert?.reason ?? null;
      modelMs += Date.now() - tm;
      options.afterStep?.(i, world);
      const modelEvents = ch.events.slice(eventsBefore).flatMap(canonicalModelEvents);
      // A migration the model refused is one refused transaction: no pages follow it. A flood the
      // model refused (as a whole) is not sent.
      if (revertReason !== null && action.name === 'migrateLiquidity') txs.length = Math.min(txs.length, 1);
      if (revertReason !== null && action.name === 'dustAccounts') txs.length = 0;

      if (action.name === 'ammQuote' && m && action.args.call !== 'inputTwap') {
        // a read (the contracts have no input-notional TWAP: that quote stays model-only)
        const { call, dir, amount } = action.args;
        const args = call === 'outputTwap' ? [dir === 'ADD', amount, 900n] : [dir === 'ADD', amount];
        const modelValue = revertReason ? `revert ${revertReason}` : String((result as { value: bigint }).value);
        const prefix = done.length;
        const block = await ensureBlock(i); // read in the block the model read in, after its transactions so far
        queue.push({
          request: rpc.callRequest(m.vamm, encode(A.Vamm!.abi, call, args)),
          onResult: (r) => {
            const chainValue = r.ok ? BigInt(r.result as Hex).toString() : `revert ${rpc.describeRevert(revertHex(r.result))}`;
            if (chainValue !== modelValue) report(i, action.name, 'result', modelValue, chainValue, prefix, block);
          },
        });
        continue;
      }
      if (txs.length === 0) continue;

      const block = await ensureBlock(i);
      block.labels.set(i, action.name);
      block.modelEvents.set(i, modelEvents);
      block.lastStep = i;
      for (const key of ['trader', 'liquidator', 'to', 'account']) if (typeof a[key] === 'string') block.touched.add(a[key] as string);
      const afterEachTransaction = i >= perTransactionFrom;
      if (!afterEachTransaction) block.endCompared = true;
      // The transactions (a revert's reason is read once mined); compared step by step, after a
      // step's last transaction the lens read of the whole state from the pending block.
      const prefix = done.length;
      for (const [t, tx] of txs.entries()) {
        const last = t === txs.length - 1;
        const expected = last ? revertReason : null;
        await rpc.knowNonce(tx.from);
        const pendingTx: PendingTx = { step: i, op: tx.op, hash: '0x', expectedRevert: expected, prefix };
        block.txs.push(pendingTx);
        queue.push({
          request: rpc.txRequest(tx.from, tx.to, tx.data),
          onAnswer: (r) => {
            if (!r.ok) report(i, action.name, 'send', 'accepted', String(r.result), prefix, block);
            else pendingTx.hash = r.result as Hex;
          },
        });
        transactions++;
        // anvil does not run a large JSON-RPC batch strictly in order across senders: a step of many
        // transactions (a dust flood) goes out in a batch of its own before anything reads the state after it.
        if (last && txs.length > 100) send();
        if (last && (options.probe || (afterEachTransaction && checkModel))) block.readsPending = true;
        if (last && options.probe) {
          // The reads of the state right after the step: last in their batch (an eth_call runs after
          // the batch's earlier transactions), the next step's transactions in the next batch.
          const probeContext: ProbeContext = { rpc, core, artifacts: A, markets, address: addr, timestamp: block.timestamp };
          for (const p of options.probe(i, probeContext)) queue.push(p);
          send();
        }
        if (last && afterEachTransaction && checkModel) {
          const modelState = readModelState(ch, holders());
          const holderList = holders();
          queue.push({
            request: lensRequest(stateContext, holderList),
            onResult: (r) => {
              if (!r.ok) report(i, action.name, 'state', 'readable', `lens reverted: ${rpc.describeRevert(revertHex(r.result))}`, prefix);
              else compareStates(i, action.name, modelState, chainState(holderList, r.result as Hex), prefix);
            },
          });
          if (views) {
            const modelViews = readModelViews(ch);
            queue.push({
              request: viewsRequest(stateContext),
              onResult: (r) => {
                if (!r.ok) report(i, action.name, 'views', 'readable', `lens reverted: ${rpc.describeRevert(revertHex(r.result))}`, prefix);
                else compareStates(i, action.name, modelViews, decodeViews(stateContext, r.result as Hex), prefix);
              },
            });
          }
        }
      }
      if (queue.length >= BATCH_REQUESTS) send();
      options.onProgress?.(i + 1, input.actions.length);
    }
    if (openBlock) {
      const b: OpenBlock = openBlock;
      if (b.endCompared && (b.end?.afterStep !== b.lastStep || b.end.only !== null)) takeBlockEnd(b, true);
      await finalizeBlock(b);
    }
    queue.push(...deferredReads);
    send();
    await settle(true);
    chain.anvils.forEach((a) => a.assertAlive());

    const seconds = (Date.now() - replayStarted) / 1000;
    return {
      report: {
        name: h.name,
        steps: input.actions.length,
        transactions,
        reverted,
        blocks,
        divergences,
        gas: gasStatistics(gas),
        seconds,
        transactionsPerSecond: transactions / seconds,
        modelSeconds: modelMs / 1000,
        compare: perTransactionFrom === 0 ? 'transaction' : 'block',
        ...(stepGas ? { stepGas } : {}),
      },
      locateFrom,
    };
  } catch (error) {
    // A dead anvil shows up as a failed request: name it, with its last output.
    await new Promise((r) => setTimeout(r, 200));
    for (const a of chain.anvils) a.assertAlive();
    throw error;
  } finally {
    for (const a of chain.anvils) a.stop();
  }
}

export { AnvilError };
