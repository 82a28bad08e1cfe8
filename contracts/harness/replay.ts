/**
 * The cross-check: replays a list of timed actions (a scripted scenario's steps, or an engine
 * event log: the same Action shape plus block number and timestamp) through the model
 * (scenarios/script-runner.ts applyAction) and as transactions on anvil, at the same block
 * timestamps, and compares after every transaction every state field, the revert reason, and
 * — once the block is mined — the events. Each difference is reported with the step, the field,
 * both values and the action prefix that reproduces it.
 */
import { type Abi, type Hex, encodeFunctionData } from 'viem';
import type { ClearingHouseParams } from '../../sim/params.ts';
import { type Json, toJson } from '../../sim/state-view.ts';
import { TOKEN_SCALE as WEI_PER_UNIT } from '../../sim/math/units.ts';
import { type World, buildWorld, clearingHouseParamsWith, marketParamsOf, profileWithOverrides, tryAction } from '../../scenarios/script-runner.ts';
import type { Action, Script } from '../../scenarios/script-schema.ts';
import type { ProfileName } from '../../sim/params.ts';
import { AnvilError } from './anvil.ts';
import { diffFlatStates, gasStatistics } from './compare.ts';
import { type ChainSetup, DEPLOYER, KEEPER, type MarketDeployment, addressOf, chainParams, marketConfig, marketKey, startChain } from './chain.ts';
import { type CanonicalEvent, canonicalChainEvents, canonicalModelEvents, chainParamLeaves, formatEvent, sameEvent } from './events.ts';
import { decodeChainState, decodeViews, lensRequest, readChainState, readModelState, readModelViews, viewsRequest } from './state.ts';

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
}

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
  /** Also compare every open position's views (margin ratios, PnL, free collateral…) after each step; default true. */
  readonly views?: boolean;
}

const CHAIN_ACTIONS = new Set<Action['name']>([
  'setOraclePrice', 'setFastPrice', 'mint', 'deposit', 'withdraw', 'openPosition', 'closePosition', 'addMargin', 'removeMargin', 'liquidate',
  'settleFunding', 'migrateLiquidity', 'repeg', 'shutdown', 'settlePosition', 'setClearingHouseParams', 'setMarketParams', 'setWhitelist',
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
  readonly expectRevert: boolean;
}

interface Queued {
  readonly request: { method: string; params: unknown[] };
  readonly onResult: (r: { ok: boolean; result: unknown }) => void;
}

function revertHex(result: unknown): Hex {
  return typeof result === 'string' && result.startsWith('0x') ? (result as Hex) : '0x';
}

export async function replay(input: ReplayInput, options: ReplayOptions = {}): Promise<ReplayReport> {
  checkReplayable(input);
  let modelMs = 0;
  const h = input.header;
  const profile = profileWithOverrides(h.profile as ProfileName, h.clearingHouse);
  const t0 = Date.now();
  const world: World = buildWorld(h);
  modelMs += Date.now() - t0;
  const { ch } = world;
  const chain = await startChain({
    startBlock: ch.clock.blockNumber,
    startTimestamp: ch.clock.timestamp,
    params: profile.clearingHouse,
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

    // ------------------------------------------------------------------ names and addresses
    const names = new Set<string>(Object.keys(h.wallets ?? {}));
    for (const { action } of input.actions) {
      const a = action.args as Record<string, unknown>;
      for (const key of ['trader', 'liquidator', 'to', 'account']) if (typeof a[key] === 'string') names.add(a[key] as string);
    }
    const nameOf = new Map<string, string>();
    for (const n of names) nameOf.set(addressOf(n).toLowerCase(), n);
    nameOf.set(core.vault.toLowerCase(), 'vault');
    const addr = (name: string): Hex => (name === 'vault' ? core.vault : addressOf(name));

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
    for (const n of names) await rpc.fund(addressOf(n));
    await rpc.fund(KEEPER);
    if (h.insuranceFund) {
      const units = h.insuranceFund / WEI_PER_UNIT;
      await sendFrom(DEPLOYER, core.usdc, A.MockUSDC!.abi, 'mint', [DEPLOYER, units]);
      await sendFrom(DEPLOYER, core.usdc, A.MockUSDC!.abi, 'approve', [core.vault, units]);
      await sendFrom(DEPLOYER, core.insuranceFund, A.InsuranceFund!.abi, 'seed', [h.insuranceFund]);
    }
    for (const [holder, amount] of Object.entries(h.wallets ?? {})) {
      await sendFrom(DEPLOYER, core.usdc, A.MockUSDC!.abi, 'mint', [addressOf(holder), amount / WEI_PER_UNIT]);
    }
    for (const n of names) await sendFrom(addressOf(n), core.usdc, A.MockUSDC!.abi, 'approve', [core.vault, 2n ** 255n]);

    const abiByAddress = new Map<string, Abi>([
      [core.clearingHouse.toLowerCase(), [...A.ClearingHouse!.abi, ...A.ClearingHouseAdmin!.abi.filter((x) => x.type === 'event')] as Abi],
      [core.insuranceFund.toLowerCase(), A.InsuranceFund!.abi],
    ]);
    for (const m of markets.values()) abiByAddress.set(m.aggregator.toLowerCase(), A.ReplayAggregator!.abi);

    const holders = () => [...new Set<string>(['vault', ...names, ...ch.ledger.balances.keys()])];
    const stateContext = { rpc, core, markets, nameOf, blockMap, artifacts: A };

    const report = (step: number, action: string, field: string, model: string, chainValue: string, prefix = done.length) => {
      if (divergences.length >= maxDivergences) return;
      divergences.push({ step, action, field, model, chain: chainValue, reproduce: done.slice(0, prefix) });
    };
    const queue: Queued[] = [];
    const flush = async () => {
      while (queue.length > 0) {
        const part = queue.splice(0, 600);
        const results = await rpc.batch(part.map((q) => q.request));
        part.forEach((q, k) => q.onResult(results[k]!));
      }
    };

    const compareStates = (step: number, action: string, modelState: Record<string, string>, chainState: Record<string, string>, prefix = done.length) => {
      for (const d of diffFlatStates(modelState, chainState)) report(step, action, d.field, d.model, d.chain, prefix);
    };

    // ------------------------------------------------------------------ the block being built
    // The set-up transactions open the model's first block; steps in that block join them.
    const setupHashes = await rpc.request<{ transactions: Hex[] }>('eth_getBlockByNumber', ['pending', false]);
    let chainHead = Number(await rpc.request<Hex>('eth_blockNumber'));
    blockMap.set(chainHead + 1, ch.clock.blockNumber);
    let openBlock: { modelBlock: number; timestamp: number; txs: PendingTx[]; modelEvents: Map<number, CanonicalEvent[]>; labels: Map<number, string> } | null = {
      modelBlock: ch.clock.blockNumber,
      timestamp: ch.clock.timestamp,
      txs: setupHashes.transactions.map((hash) => ({ step: -1, op: 'setup', hash, expectRevert: false })),
      modelEvents: new Map(),
      labels: new Map(),
    };
    compareStates(-1, 'setup', readModelState(ch, holders()), await readChainState(stateContext, holders()));
    options.afterSetup?.(world, chain);
    const replayStarted = Date.now();

    const finalizeBlock = async () => {
      if (!openBlock) return;
      const b = openBlock;
      openBlock = null;
      // The block's queued requests (its timestamp first) in order, then the block mined and returned.
      await flush();
      const mined = await rpc.mine();
      blocks++;
      chainHead = mined.number;
      if (blockMap.get(mined.number) !== b.modelBlock) report(b.txs[0]?.step ?? -1, 'block', 'block.number', String(b.modelBlock), `chain#${mined.number}`);
      if (mined.timestamp !== b.timestamp) report(b.txs[0]?.step ?? -1, 'block', 'block.timestamp', String(b.timestamp), String(mined.timestamp));
      if (mined.transactions.length !== b.txs.length) {
        report(b.txs[0]?.step ?? -1, 'block', 'block.transactions', String(b.txs.length), String(mined.transactions.length));
      }
      const receipts = await rpc.receipts(b.txs.filter((t) => t.hash !== '0x').map((t) => t.hash));
      b.txs = b.txs.filter((t) => t.hash !== '0x');
      const chainEvents = new Map<number, CanonicalEvent[]>();
      receipts.forEach((r, i) => {
        const tx = b.txs[i]!;
        if (!r) {
          report(tx.step, tx.op, 'receipt', 'mined', 'missing');
          return;
        }
        const ok = r.status === '0x1';
        if (ok === tx.expectRevert) report(tx.step, tx.op, 'status', tx.expectRevert ? 'reverted' : 'success', ok ? 'success' : 'reverted');
        if (!ok) reverted++;
        if (tx.step < 0) return;
        const used = Number(r.gasUsed);
        const key = ok ? tx.op : `${tx.op} (reverted)`;
        if (!gas.has(key)) gas.set(key, []);
        gas.get(key)!.push(used);
        const list = chainEvents.get(tx.step) ?? [];
        list.push(...canonicalChainEvents(r.logs, abiByAddress));
        chainEvents.set(tx.step, list);
      });
      for (const [step, expected] of b.modelEvents) {
        const got = chainEvents.get(step) ?? [];
        const n = Math.max(expected.length, got.length);
        for (let i = 0; i < n; i++) {
          if (!expected[i] || !got[i] || !sameEvent(expected[i]!, got[i]!)) {
            report(step, b.labels.get(step) ?? '?', `events[${i}]`, formatEvent(expected[i]), formatEvent(got[i]));
            break;
          }
        }
      }
    };

    const ensureBlock = async (step: number) => {
      const modelBlock = ch.clock.blockNumber;
      const timestamp = ch.clock.timestamp;
      if (openBlock && openBlock.modelBlock === modelBlock) {
        if (openBlock.timestamp !== timestamp) {
          throw new UnsupportedError(`step ${step}: the model moved time (${openBlock.timestamp} → ${timestamp}) within block ${modelBlock}; a chain block has one timestamp`);
        }
        return openBlock;
      }
      await finalizeBlock();
      for (const [, mb] of blockMap) {
        if (mb >= modelBlock) throw new UnsupportedError(`step ${step}: model block ${modelBlock} is not after the last replayed block ${mb}`);
      }
      queue.push({ request: { method: 'evm_setNextBlockTimestamp', params: [`0x${timestamp.toString(16)}`] }, onResult: () => {} });
      blockMap.set(chainHead + 1, modelBlock);
      openBlock = { modelBlock, timestamp, txs: [], modelEvents: new Map(), labels: new Map() };
      return openBlock;
    };

    // ------------------------------------------------------------------ the steps
    const ch_ = A.ClearingHouse!.abi;
    const adm = A.ClearingHouseAdmin!.abi;
    for (let i = 0; i < input.actions.length; i++) {
      if (divergences.length >= maxDivergences) break;
      chain.anvils.forEach((a) => a.assertAlive());
      const { action, blockNumber, timestamp } = input.actions[i]!;
      if (blockNumber !== undefined) ch.clock.blockNumber = blockNumber;
      if (timestamp !== undefined) ch.clock.timestamp = timestamp;
      done.push(toJson({ [action.name]: action.args, ...(blockNumber !== undefined ? { blockNumber, timestamp } : {}) }));

      // The transactions, built from the state before the model applies the action.
      const txs: Array<{ from: Hex; to: Hex; data: Hex; op: string }> = [];
      const a = action.args as Record<string, unknown>;
      const m = typeof a.market === 'string' ? markets.get(a.market) : undefined;
      const chCall = (from: Hex, functionName: string, args: unknown[], op: string = action.name) =>
        txs.push({ from, to: core.clearingHouse, data: encodeFunctionData({ abi: [...ch_, ...adm] as Abi, functionName, args } as never), op });
      switch (action.name) {
        case 'setOraclePrice': {
          const x = action.args;
          txs.push({
            from: DEPLOYER, to: m!.aggregator, op: action.name,
            data: encodeFunctionData({ abi: A.ReplayAggregator!.abi, functionName: 'pushPrice', args: [x.price, BigInt(x.updatedAt ?? ch.clock.timestamp), x.roundId === undefined ? 0n : BigInt(x.roundId)] }),
          });
          break;
        }
        case 'setFastPrice': {
          const p = fastPriceToPyth(action.args.price, action.args.confidence);
          txs.push({
            from: DEPLOYER, to: core.pyth, op: action.name,
            data: encodeFunctionData({ abi: A.MockPyth!.abi, functionName: 'updatePrice', args: [m!.key, p.price, p.conf, p.expo, BigInt(action.args.publishTime ?? ch.clock.timestamp)] }),
          });
          break;
        }
        case 'mint':
          txs.push({ from: DEPLOYER, to: core.usdc, op: action.name, data: encodeFunctionData({ abi: A.MockUSDC!.abi, functionName: 'mint', args: [addr(action.args.to), action.args.amount / WEI_PER_UNIT] }) });
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
        case 'migrateLiquidity':
          chCall(DEPLOYER, 'migrateLiquidity', [m!.key, action.args.multiplier, action.args.remap === 'none' ? 2 : 1, action.args.fluctuationLimitRatio ?? 0n]);
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
      const modelEvents = ch.events.slice(eventsBefore).flatMap(canonicalModelEvents);

      if (action.name === 'ammQuote' && m && action.args.call !== 'inputTwap') {
        // a read (the contracts have no input-notional TWAP: that quote stays model-only)
        const { call, dir, amount } = action.args;
        const args = call === 'outputTwap' ? [dir === 'ADD', amount, 900n] : [dir === 'ADD', amount];
        const modelValue = revertReason ? `revert ${revertReason}` : String((result as { value: bigint }).value);
        const prefix = done.length;
        await ensureBlock(i); // read in the block the model read in, after its transactions so far
        queue.push({
          request: rpc.callRequest(m.vamm, encodeFunctionData({ abi: A.Vamm!.abi, functionName: call, args } as never)),
          onResult: (r) => {
            const chainValue = r.ok ? BigInt(r.result as Hex).toString() : `revert ${rpc.describeRevert(revertHex(r.result))}`;
            if (chainValue !== modelValue) report(i, action.name, 'result', modelValue, chainValue, prefix);
          },
        });
        continue;
      }
      if (txs.length === 0) continue;

      const block = await ensureBlock(i);
      block.labels.set(i, action.name);
      block.modelEvents.set(i, modelEvents);
      // The block's requests go out as one ordered JSON-RPC batch when the block ends: per
      // transaction [the call that tells the revert reason, when the model reverted], the
      // transaction, and after a step's last transaction the lens read of the whole state.
      const prefix = done.length;
      for (const [t, tx] of txs.entries()) {
        const last = t === txs.length - 1;
        const expected = last ? revertReason : null;
        await rpc.knowNonce(tx.from);
        if (expected !== null) {
          queue.push({
            request: rpc.callRequest(tx.to, tx.data, tx.from),
            onResult: (r) => {
              const chainReason = r.ok ? null : rpc.describeRevert(revertHex(r.result));
              if (chainReason !== expected) report(i, action.name, 'revert', expected, chainReason ?? 'success', prefix);
            },
          });
        }
        const pendingTx: PendingTx = { step: i, op: tx.op, hash: '0x', expectRevert: expected !== null };
        block.txs.push(pendingTx);
        queue.push({
          request: rpc.txRequest(tx.from, tx.to, tx.data),
          onResult: (r) => {
            if (!r.ok) report(i, action.name, 'send', 'accepted', String(r.result), prefix);
            else pendingTx.hash = r.result as Hex;
          },
        });
        transactions++;
        if (last) {
          const modelState = readModelState(ch, holders());
          const holderList = holders();
          queue.push({
            request: lensRequest(stateContext, holderList),
            onResult: (r) => {
              if (!r.ok) report(i, action.name, 'state', 'readable', `lens reverted: ${rpc.describeRevert(revertHex(r.result))}`, prefix);
              else compareStates(i, action.name, modelState, decodeChainState(stateContext, holderList, r.result as Hex), prefix);
            },
          });
          if (options.views ?? true) {
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
      if (queue.length >= 600) await flush();
      options.onProgress?.(i + 1, input.actions.length);
    }
    await finalizeBlock();
    chain.anvils.forEach((a) => a.assertAlive());

    const seconds = (Date.now() - replayStarted) / 1000;
    const gasStats = gasStatistics(gas);
    return {
      name: h.name,
      steps: input.actions.length,
      transactions,
      reverted,
      blocks,
      divergences,
      gas: gasStats,
      seconds,
      transactionsPerSecond: transactions / seconds,
      modelSeconds: modelMs / 1000,
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
