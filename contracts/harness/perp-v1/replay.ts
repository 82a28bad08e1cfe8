/**
 * The perp-v1 twin: replays timed actions (a script's steps or an event log) through the
 * model under Perp v1 2.2.0's rules and as transactions on Perp v1 2.2.0's own bytecode
 * (contracts/harness/perp-v1/deploy.ts), and compares after every step, to the wei, the state
 * of perp-v1/state.ts and whether the step reverted, Perp v1's revert string mapped to the
 * model's reason. The fakes keep their own clock, so chain blocks are only containers: a
 * step's requests — the fakes' clocks moved to the model's, the call that tells a revert's
 * string, the operation, the lens read of the pending state — go out in ordered JSON-RPC
 * batches of many steps (anvil runs a batch in order), each batch is mined as one block, and
 * receipts (status and gas) are read after it.
 */
import { type Abi, type Hex, decodeErrorResult, encodeFunctionData } from 'viem';
import { InputError } from '../../../data/input-error.ts';
import { type World, buildWorld, clearingHouseParamsWith, marketParamsOf, tryAction } from '../../../scenarios/script-runner.ts';
import type { Action } from '../../../scenarios/script-schema.ts';
import { REVERT_REASONS, isModelError } from '../../../sim/errors.ts';
import { type Json, toJson } from '../../../sim/state-view.ts';
import { TOKEN_SCALE, toWei } from '../../../sim/math/units.ts';
import { Anvil } from '../anvil.ts';
import { DEPLOYER, KEEPER, Rpc, addressOf } from '../chain.ts';
import { diffFlatStates, gasStatistics } from '../compare.ts';
import type { Divergence, ReplayInput, ReplayReport, StepGas } from '../replay.ts';
import { perpV1Artifacts, perpV1PackageVersion } from './artifacts.ts';
import { FAKE_CLOCK, PerpV1Chain, type PerpV1Deployment, deployPerpV1 } from './deploy.ts';
import { type FlatState, type PerpV1Frame, decodeChainState, lensRequest, readModelState } from './state.ts';

export interface PerpV1ReplayReport extends ReplayReport {
  readonly twin: 'perp-v1';
  /** The @perp/contract release replayed on. */
  readonly release: string;
  /** Steps whose state was compared (steps with a chain transaction or read). */
  readonly compared: number;
  readonly stepsPerSecond: number;
}

export interface PerpV1ReplayOptions {
  readonly maxDivergences?: number;
  readonly onProgress?: (done: number, total: number) => void;
  /** Compare each open position's views too (margin ratio, notional and PnL at spot and TWAP); default true. */
  readonly views?: boolean;
  /** Steps per JSON-RPC batch and mined block (default 20). */
  readonly stepsPerBatch?: number;
  /** Changes the model after set-up, before the first step: for testing that divergences are reported. */
  readonly afterSetup?: (world: World) => void;
  /** Also report each transaction's gas by step (as the default replay does). */
  readonly stepGas?: boolean;
}

/** What Perp v1 2.2.0 cannot express: bad input for this twin (exit 2), with every reason. */
export class PerpV1UnsupportedError extends InputError {
  override name = 'PerpV1UnsupportedError';
}

/**
 * Revert strings that come from another layer on the chain than in the model: a token
 * transfer the sender cannot cover fails inside DecimalERC20's low-level call.
 */
const CHAIN_REVERT_ALIASES: Readonly<Record<string, string>> = {
  'DecimalERC20: transferFrom failed': 'InsufficientBalance',
  'DecimalERC20: transfer failed': 'InsufficientBalance',
};

/** Does Perp v1's revert string stand for the model's reason? */
export function revertMatches(modelReason: string, chainString: string): boolean {
  return REVERT_REASONS[modelReason as keyof typeof REVERT_REASONS] === chainString || CHAIN_REVERT_ALIASES[chainString] === modelReason;
}

function revertString(result: unknown): string {
  const data = typeof result === 'string' && result.startsWith('0x') ? (result as Hex) : '0x';
  if (data === '0x') return 'revert without data';
  try {
    const e = decodeErrorResult({ abi: [] as Abi, data });
    return e.errorName === 'Error' ? String(e.args?.[0]) : `${e.errorName}(${String(e.args?.[0])})`;
  } catch {
    return `unknown revert ${data.slice(0, 10)}`;
  }
}

/** Actions Perp v1 2.2.0 has (or the model keeps off chain), and those it cannot express. */
const MODEL_ONLY = new Set<Action['name']>(['advance', 'expect', 'setBackstopLiquidityProvider']);
const CHAIN = new Set<Action['name']>([
  'mint', 'transfer', 'openPosition', 'closePosition', 'addMargin', 'removeMargin', 'liquidate', 'settleFunding', 'setOraclePrice', 'setIndexTwap',
  'shutdown', 'settlePosition', 'setWhitelist', 'setClearingHouseParams', 'setMarketParams', 'ammQuote', 'ammSwapInput', 'ammSwapOutput',
]);
const SETTABLE_CH = new Set(['maintenanceMarginRatio', 'liquidationFeeRatio', 'partialLiquidationRatio', 'backstopExchangeRatio']);
const SETTABLE_MARKET = new Set(['fluctuationLimitRatio', 'fees', 'maxHoldingBaseAsset', 'openInterestNotionalCap', 'funding']);

/** Refuses, before anything runs and with every reason, what Perp v1 2.2.0 cannot express. */
export function checkPerpV1Replayable(input: ReplayInput): void {
  const h = input.header;
  const problems: string[] = [];
  if (h.profile !== 'perp-v1') problems.push(`profile "${h.profile}": the perp-v1 twin replays the perp-v1 profile`);
  const t0 = h.clock?.timestamp ?? FAKE_CLOCK.timestamp;
  if ((t0 - FAKE_CLOCK.timestamp) % 3600 !== 0) {
    problems.push(`clock.timestamp ${t0}: Perp v1's fakes take their first reserve snapshot at ${FAKE_CLOCK.timestamp}; the twin shifts time by whole hours only (funding times are on the hour), so start at ${FAKE_CLOCK.timestamp} + k·3600`);
  }
  const c = h.clearingHouse ?? {};
  if (c.restrictionMode === false) problems.push('restrictionMode: Perp v1 always restricts a liquidation block');
  if (c.maxOracleSpreadRatio !== undefined && c.maxOracleSpreadRatio !== toWei('0.1')) problems.push('maxOracleSpreadRatio: Perp v1 fixes it at 10 %');
  if (c.fullLiquidationBelowNotional !== undefined) problems.push('fullLiquidationBelowNotional: minimal liquidation is the default design\'s');
  h.markets.forEach((m, i) => {
    const f = m.funding ?? {};
    if (f.convergencePeriod !== undefined && f.convergencePeriod !== 86400) problems.push(`markets[${i}].funding.convergencePeriod: Perp v1 converges over one day`);
    if (f.fundingCapRatio !== undefined && f.fundingCapRatio !== 0n) problems.push(`markets[${i}].funding.fundingCapRatio: Perp v1 has no funding cap`);
    if (f.markTwapInterval !== undefined && f.markTwapInterval !== (f.indexTwapInterval ?? 3600)) problems.push(`markets[${i}].funding: Perp v1 uses one TWAP interval for mark and index`);
    if (f.indexTwapInterval !== undefined && f.indexTwapInterval !== (f.markTwapInterval ?? 3600)) problems.push(`markets[${i}].funding: Perp v1 uses one TWAP interval for mark and index`);
    if (m.fees?.feeRatio) problems.push(`markets[${i}].fees.feeRatio: Perp v1 charges toll and spread`);
    if (m.oracle?.stalenessLimit) problems.push(`markets[${i}].oracle.stalenessLimit: Perp v1 has no staleness pause`);
  });
  input.actions.forEach(({ action }, i) => {
    const a = action.args as Record<string, unknown>;
    if (!CHAIN.has(action.name) && !MODEL_ONLY.has(action.name)) problems.push(`step ${i}: ${action.name} is not part of Perp v1 2.2.0`);
    if (action.name === 'liquidate' && (action.args.quoteLimit ?? 0n) !== 0n) problems.push(`step ${i}: liquidate with quoteLimit (liquidateWithSlippage came after 2.2.0)`);
    if (action.name === 'setClearingHouseParams') {
      for (const key of Object.keys(a)) if (!SETTABLE_CH.has(key)) problems.push(`step ${i}: setClearingHouseParams.${key} has no setter in Perp v1 2.2.0`);
    }
    if (action.name === 'setMarketParams') {
      for (const key of Object.keys(a)) if (key !== 'market' && !SETTABLE_MARKET.has(key)) problems.push(`step ${i}: setMarketParams.${key} has no setter in Perp v1 2.2.0`);
      const f = (a.funding ?? {}) as Record<string, unknown>;
      for (const key of Object.keys(f)) if (key !== 'markTwapInterval' && key !== 'indexTwapInterval') problems.push(`step ${i}: setMarketParams.funding.${key} has no setter in Perp v1 2.2.0`);
      if ((f.markTwapInterval === undefined) !== (f.indexTwapInterval === undefined) || f.markTwapInterval !== f.indexTwapInterval) {
        if (Object.keys(f).length > 0) problems.push(`step ${i}: Perp v1 sets mark and index TWAP intervals together (setSpotPriceTwapInterval)`);
      }
      if ((a.fees as Record<string, unknown> | undefined)?.feeRatio !== undefined) problems.push(`step ${i}: fees.feeRatio is the default design's`);
    }
  });
  if (problems.length > 0) {
    throw new PerpV1UnsupportedError({ file: h.file ?? h.name }, `not replayable on Perp v1 2.2.0:\n  ${[...new Set(problems)].join('\n  ')}`);
  }
}

interface ChainTx {
  readonly from: Hex;
  readonly to: Hex;
  readonly data: Hex;
  readonly op: string;
}

interface Pending {
  readonly step: number;
  readonly op: string;
  readonly expectRevert: boolean;
  hash: Hex | null;
}

export async function replayPerpV1(input: ReplayInput, options: PerpV1ReplayOptions = {}): Promise<PerpV1ReplayReport> {
  checkPerpV1Replayable(input);
  // The twin is Perp v1 2.2.0: the model runs that release's rules (docs/PERP_V1.md).
  const header = { ...input.header, clearingHouse: { ...input.header.clearingHouse, release: '2.2.0' } };
  const world = buildWorld(header);
  const { ch } = world;
  const artifacts = perpV1Artifacts();
  const names = [...new Set<string>([...Object.keys(header.wallets ?? {}), ...(header.backstopLiquidityProviders ?? [])])];
  for (const { action } of input.actions) {
    const a = action.args as Record<string, unknown>;
    for (const key of ['trader', 'liquidator', 'to', 'account']) if (typeof a[key] === 'string' && !names.includes(a[key] as string)) names.push(a[key] as string);
  }
  const anvil = await Anvil.start();
  try {
    const rpc = new Rpc(anvil.url, artifacts);
    const chain = new PerpV1Chain(rpc, artifacts);
    const deployment = await deployPerpV1(chain, world, names);
    const frame: PerpV1Frame = {
      deployment,
      artifacts,
      names,
      marketIds: [...ch.markets.keys()],
      timeOffset: ch.clock.timestamp - FAKE_CLOCK.timestamp,
      blockOffset: ch.clock.blockNumber - FAKE_CLOCK.block,
    };
    options.afterSetup?.(world);
    return await run(input, options, world, rpc, chain, deployment, frame);
  } catch (error) {
    await new Promise((r) => setTimeout(r, 200));
    anvil.assertAlive();
    throw error;
  } finally {
    anvil.stop();
  }
}

async function run(
  input: ReplayInput,
  options: PerpV1ReplayOptions,
  world: World,
  rpc: Rpc,
  chain: PerpV1Chain,
  d: PerpV1Deployment,
  frame: PerpV1Frame,
): Promise<PerpV1ReplayReport> {
  const { ch } = world;
  const views = options.views ?? true;
  const maxDivergences = options.maxDivergences ?? 20;
  const stepsPerBatch = options.stepsPerBatch ?? 20;
  const divergences: Divergence[] = [];
  const done: Json[] = [];
  const gas = new Map<string, number[]>();
  const stepGas: StepGas[] | undefined = options.stepGas ? [] : undefined;
  let transactions = 0;
  let reverted = 0;
  let blocks = 0;
  let compared = 0;
  let modelMs = 0;
  const started = Date.now();

  const report = (step: number, action: string, field: string, model: string, chainValue: string, prefix: number) => {
    if (divergences.length < maxDivergences) divergences.push({ step, action, field, model, chain: chainValue, reproduce: done.slice(0, prefix) });
  };
  const amm = (id: string) => d.markets.get(id)!.amm;
  // The fakes' clock as last set on chain (they start on Perp v1's test clock).
  let chainTime: number = FAKE_CLOCK.timestamp;
  let chainBlock: number = FAKE_CLOCK.block;

  type Request = { method: string; params: unknown[] };
  let queue: Array<{ request: Request; onResult: (r: { ok: boolean; result: unknown }) => void }> = [];
  let pending: Pending[] = [];
  const sendTx = (tx: ChainTx, step: number, expectRevert: boolean) => {
    const entry: Pending = { step, op: tx.op, expectRevert, hash: null };
    pending.push(entry);
    transactions += tx.op === 'clock' ? 0 : 1;
    queue.push({
      request: rpc.txRequest(tx.from, tx.to, tx.data),
      onResult: (r) => {
        if (r.ok) entry.hash = r.result as Hex;
        else report(step, tx.op, 'send', 'accepted', String(r.result), done.length);
      },
    });
  };
  const flush = async () => {
    const batch = queue;
    const sent = pending;
    queue = [];
    pending = [];
    for (let i = 0; i < batch.length; i += 800) {
      const part = batch.slice(i, i + 800);
      const results = await rpc.batch(part.map((q) => q.request));
      part.forEach((q, k) => q.onResult(results[k]!));
    }
    if (sent.length > 0) {
      await rpc.mine();
      blocks++;
    }
    const withHash = sent.filter((t) => t.hash !== null);
    const receipts = await rpc.batch(withHash.map((t) => ({ method: 'eth_getTransactionReceipt', params: [t.hash] })));
    withHash.forEach((t, i) => {
      const r = receipts[i]!.result as { status: Hex; gasUsed: Hex } | null;
      if (!r) return report(t.step, t.op, 'receipt', 'mined', 'missing', done.length);
      const ok = r.status === '0x1';
      if (t.op === 'clock' || t.op.startsWith('sync')) {
        if (!ok) report(t.step, t.op, 'status', 'success', 'reverted', done.length);
        return;
      }
      if (ok === t.expectRevert) report(t.step, t.op, 'status', t.expectRevert ? 'reverted' : 'success', ok ? 'success' : 'reverted', done.length);
      if (!ok) reverted++;
      const key = ok ? t.op : `${t.op} (reverted)`;
      if (!gas.has(key)) gas.set(key, []);
      gas.get(key)!.push(Number(r.gasUsed));
      stepGas?.push({ step: t.step, op: t.op, gas: Number(r.gasUsed), reverted: !ok });
    });
  };

  const call = (contract: keyof typeof frame.artifacts, functionName: string, args: readonly unknown[]) => chain.data(contract, functionName, args);
  const d18 = (x: bigint) => ({ d: x });

  for (let i = 0; i < input.actions.length; i++) {
    if (divergences.length >= maxDivergences) break;
    const { action, blockNumber, timestamp } = input.actions[i]!;
    if (blockNumber !== undefined) ch.clock.blockNumber = blockNumber;
    if (timestamp !== undefined) ch.clock.timestamp = timestamp;
    done.push(toJson({ [action.name]: action.args, ...(blockNumber !== undefined ? { blockNumber, timestamp } : {}) }));
    const prefix = done.length;

    // The transactions, built from the state before the model applies the action.
    const txs: ChainTx[] = [];
    const a = action.args as Record<string, unknown>;
    const market = typeof a.market === 'string' ? a.market : undefined;
    const chTx = (from: Hex, functionName: string, args: readonly unknown[], op: string = action.name) =>
      txs.push({ from, to: d.clearingHouse, data: call('ClearingHouseFake', functionName, args), op });
    switch (action.name) {
      case 'mint':
        txs.push({ from: DEPLOYER, to: d.usdc, op: 'mint', data: call('ERC20Fake', 'mint', [addressOf(action.args.to), action.args.amount / TOKEN_SCALE]) });
        break;
      case 'transfer':
        txs.push({ from: addressOf(action.args.from), to: d.usdc, op: 'transfer', data: call('ERC20Fake', 'transfer', [addressOf(action.args.to), action.args.amount / TOKEN_SCALE]) });
        break;
      case 'openPosition': {
        const x = action.args;
        chTx(addressOf(x.trader), 'openPosition', [amm(x.market), x.side === 'long' ? 0 : 1, d18(x.margin), d18(x.leverage), d18(x.baseLimit ?? 0n)]);
        break;
      }
      case 'closePosition':
        chTx(addressOf(action.args.trader), 'closePosition', [amm(action.args.market), d18(action.args.quoteLimit ?? 0n)]);
        break;
      case 'addMargin':
      case 'removeMargin':
        chTx(addressOf(action.args.trader), action.name, [amm(action.args.market), d18(action.args.amount)]);
        break;
      case 'liquidate':
        chTx(addressOf(action.args.liquidator), 'liquidate', [amm(action.args.market), addressOf(action.args.trader)]);
        break;
      case 'settleFunding': {
        // The feed double returns a set TWAP: when the model computes its index TWAP from rounds
        // (no override), the double is given that value first — the one input 2.2.0's mock cannot derive.
        const m = ch.market(action.args.market);
        if (m.oracle.chainlink.twapOverride === 0n) {
          try {
            const twap = m.oracle.indexTwap(m.params.funding.indexTwapInterval, ch.clock.timestamp);
            txs.push({ from: DEPLOYER, to: d.markets.get(m.id)!.priceFeed, op: 'sync index TWAP', data: call('L2PriceFeedMock', 'setTwapPrice', [twap]) });
          } catch (e) {
            if (!isModelError(e)) throw e;
          }
        }
        chTx(KEEPER, 'payFunding', [amm(m.id)], 'settleFunding');
        break;
      }
      case 'setOraclePrice':
        txs.push({ from: DEPLOYER, to: d.markets.get(action.args.market)!.priceFeed, op: action.name, data: call('L2PriceFeedMock', 'setPrice', [action.args.price]) });
        break;
      case 'setIndexTwap':
        if (action.args.price !== 0n) {
          txs.push({ from: DEPLOYER, to: d.markets.get(action.args.market)!.priceFeed, op: action.name, data: call('L2PriceFeedMock', 'setTwapPrice', [action.args.price]) });
        }
        break;
      case 'shutdown':
        txs.push({ from: DEPLOYER, to: amm(action.args.market), op: action.name, data: call('AmmFake', 'shutdown', []) });
        break;
      case 'settlePosition':
        chTx(addressOf(action.args.trader), 'settlePosition', [amm(action.args.market)]);
        break;
      case 'setWhitelist':
        chTx(DEPLOYER, 'setWhitelist', [action.args.account === null ? '0x0000000000000000000000000000000000000000' : addressOf(action.args.account)]);
        break;
      case 'setClearingHouseParams': {
        const next = clearingHouseParamsWith(ch.params, action.args);
        const p = ch.params;
        if (next.maintenanceMarginRatio !== p.maintenanceMarginRatio) chTx(DEPLOYER, 'setMaintenanceMarginRatio', [d18(next.maintenanceMarginRatio)], 'setParam');
        if (next.liquidationFeeRatio !== p.liquidationFeeRatio) chTx(DEPLOYER, 'setLiquidationFeeRatio', [d18(next.liquidationFeeRatio)], 'setParam');
        if (next.liquidation.kind === 'fixed-ratio' && JSON.stringify(toJson(next.liquidation)) !== JSON.stringify(toJson(p.liquidation))) {
          chTx(DEPLOYER, 'setPartialLiquidationRatio', [d18(next.liquidation.partialLiquidationRatio)], 'setParam');
        }
        if (next.backstopExchangeRatio !== p.backstopExchangeRatio) {
          txs.push({ from: DEPLOYER, to: d.exchange, op: 'setParam', data: call('ExchangeWrapperMock', 'mockSetSwapRatio', [d18(next.backstopExchangeRatio)]) });
        }
        break;
      }
      case 'setMarketParams': {
        const { market: id, ...rest } = action.args;
        const m = ch.market(id);
        const changes = marketParamsOf(rest) as Record<string, unknown>;
        const ammTx = (functionName: string, args: readonly unknown[]) => txs.push({ from: DEPLOYER, to: amm(id), op: 'setMarketParams', data: call('AmmFake', functionName, args) });
        if (changes.fluctuationLimitRatio !== undefined) ammTx('setFluctuationLimitRatio', [d18(changes.fluctuationLimitRatio as bigint)]);
        const fees = (changes.fees ?? {}) as Record<string, bigint | undefined>;
        if (fees.tollRatio !== undefined) ammTx('setTollRatio', [d18(fees.tollRatio)]);
        if (fees.spreadRatio !== undefined) ammTx('setSpreadRatio', [d18(fees.spreadRatio)]);
        if (changes.maxHoldingBaseAsset !== undefined || changes.openInterestNotionalCap !== undefined) {
          ammTx('setCap', [d18((changes.maxHoldingBaseAsset as bigint | undefined) ?? m.vamm.maxHoldingBaseAsset), d18((changes.openInterestNotionalCap as bigint | undefined) ?? m.vamm.openInterestNotionalCap)]);
        }
        const f = (changes.funding ?? {}) as Record<string, number | undefined>;
        if (f.markTwapInterval !== undefined) ammTx('setSpotPriceTwapInterval', [BigInt(f.markTwapInterval)]);
        break;
      }
      case 'ammSwapInput':
      case 'ammSwapOutput': {
        // A counterparty swap outside the books: sent as the clearing house, the AMM's counterparty.
        const x = action.args as { market: string; dir: 'ADD' | 'REMOVE'; quote?: bigint; base?: bigint; baseLimit?: bigint; quoteLimit?: bigint };
        const dir = x.dir === 'ADD' ? 0 : 1;
        const data =
          action.name === 'ammSwapInput'
            ? call('AmmFake', 'swapInput', [dir, d18(x.quote!), d18(x.baseLimit ?? 0n), false])
            : call('AmmFake', 'swapOutput', [dir, d18(x.base!), d18(x.quoteLimit ?? 0n), true]);
        txs.push({ from: d.clearingHouse, to: amm(x.market), op: action.name, data });
        break;
      }
      default:
        break;
    }

    // The model.
    const tm = Date.now();
    const { result, revert } = tryAction(world, action);
    const revertReason = revert?.reason ?? null;
    modelMs += Date.now() - tm;

    const reads = action.name === 'ammQuote';
    if (txs.length === 0 && !reads) continue;

    // The fakes' clock follows the model's (shifted to Perp v1's test clock).
    const wantTime = ch.clock.timestamp - frame.timeOffset;
    const wantBlock = ch.clock.blockNumber - frame.blockOffset;
    const clock: ChainTx[] = [];
    const clocked = [d.clearingHouse, ...frame.marketIds.map(amm)];
    if (wantTime !== chainTime) for (const to of clocked) clock.push({ from: DEPLOYER, to, op: 'clock', data: call('AmmFake', 'mock_setBlockTimestamp', [BigInt(wantTime)]) });
    if (wantBlock !== chainBlock) for (const to of clocked) clock.push({ from: DEPLOYER, to, op: 'clock', data: call('AmmFake', 'mock_setBlockNumber', [BigInt(wantBlock)]) });
    chainTime = wantTime;
    chainBlock = wantBlock;
    for (const tx of clock) {
      await rpc.knowNonce(tx.from);
      sendTx(tx, i, false);
    }

    if (reads) {
      const { call: fn, dir, amount } = action.args as { call: string; dir: 'ADD' | 'REMOVE'; amount: bigint };
      const modelValue = revertReason ? `revert ${revertReason}` : String((result as { value: bigint }).value);
      const data = call('AmmFake', fn === 'inputPrice' ? 'getInputPrice' : fn === 'outputPrice' ? 'getOutputPrice' : fn === 'inputTwap' ? 'getInputTwap' : 'getOutputTwap', [dir === 'ADD' ? 0 : 1, d18(amount)]);
      queue.push({
        request: { method: 'eth_call', params: [{ to: amm(market!), data }, 'pending'] },
        onResult: (r) => {
          const chainValue = r.ok ? BigInt(`0x${(r.result as string).slice(2, 66)}`).toString() : `revert ${revertString(r.result)}`;
          const same = chainValue === modelValue || (revertReason !== null && !r.ok && revertMatches(revertReason, revertString(r.result)));
          if (!same) report(i, action.name, 'result', modelValue, chainValue, prefix);
        },
      });
    } else {
      for (const [t, tx] of txs.entries()) {
        const last = t === txs.length - 1;
        const expected = last ? revertReason : null;
        await rpc.knowNonce(tx.from);
        if (expected !== null) {
          queue.push({
            request: { method: 'eth_call', params: [{ from: tx.from, to: tx.to, data: tx.data, gas: '0x17d7840' }, 'pending'] },
            onResult: (r) => {
              const chainString = r.ok ? 'success' : revertString(r.result);
              if (!revertMatches(expected, chainString)) report(i, action.name, 'revert', `${expected} ("${REVERT_REASONS[expected as keyof typeof REVERT_REASONS]}")`, chainString, prefix);
            },
          });
        }
        sendTx(tx, i, expected !== null);
      }
    }
    const modelState: FlatState = readModelState(ch, frame, views);
    compared++;
    queue.push({
      request: lensRequest(frame),
      onResult: (r) => {
        if (!r.ok) return report(i, action.name, 'state', 'readable', `lens reverted: ${revertString(r.result)}`, prefix);
        for (const dv of diffFlatStates(modelState, decodeChainState(frame, r.result as Hex, views))) report(i, action.name, dv.field, dv.model, dv.chain, prefix);
      },
    });
    if (compared % stepsPerBatch === 0) await flush();
    options.onProgress?.(i + 1, input.actions.length);
  }
  await flush();
  options.onProgress?.(input.actions.length, input.actions.length);
  const seconds = (Date.now() - started) / 1000;
  return {
    twin: 'perp-v1',
    compare: 'transaction',
    release: perpV1PackageVersion(),
    name: input.header.name,
    steps: input.actions.length,
    compared,
    transactions,
    reverted,
    blocks,
    divergences,
    gas: gasStatistics(gas),
    ...(stepGas ? { stepGas } : {}),
    seconds,
    transactionsPerSecond: transactions / seconds,
    stepsPerSecond: input.actions.length / seconds,
    modelSeconds: modelMs / 1000,
  };
}
