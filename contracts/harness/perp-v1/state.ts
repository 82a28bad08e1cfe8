/**
 * The state the perp-v1 twin compares, as flat `path → value` maps on both sides: every
 * market's reserves, net position, cumulative premium fraction, funding rate and time, open
 * flag, settlement price, snapshot count, cumulative notional, open-interest notional,
 * restriction in this block and index price; every named trader's position record in every
 * market (and, when open, its margin ratio and its notional and PnL at spot and at the 15-min
 * TWAP); the collateral-token balances of every trader, liquidator, the insurance fund, the
 * clearing house and the fee pool; prepaid bad debt; the PERP the fund minted.
 */
import type { Abi, Hex } from 'viem';
import { functionCodec } from '../function-codec.ts';
import type { ClearingHouse } from '../../../sim/clearing-house.ts';
import { isModelError } from '../../../sim/errors.ts';
import { FEE_POOL, INSURANCE_FUND, VAULT } from '../../../sim/ledger.ts';
import { emptyPosition } from '../../../sim/position.ts';
import { addressOf } from '../chain.ts';
import type { PerpV1Artifacts } from './artifacts.ts';
import type { PerpV1Deployment } from './deploy.ts';

export type FlatState = Record<string, string>;

/** Model names ↔ chain accounts, and the clock offset between the model and the fakes. */
export interface PerpV1Frame {
  readonly deployment: PerpV1Deployment;
  readonly artifacts: PerpV1Artifacts;
  /** Traders and liquidators, by model name. */
  readonly names: readonly string[];
  readonly marketIds: readonly string[];
  /** Model time − chain time, and model block − chain block. */
  readonly timeOffset: number;
  readonly blockOffset: number;
}

/** Token holders compared: every name, then the clearing house (the model's vault), the fund and the fee pool. */
export function holdersOf(frame: PerpV1Frame): string[] {
  return [...frame.names, VAULT, INSURANCE_FUND, FEE_POOL];
}

function holderAddress(frame: PerpV1Frame, holder: string): Hex {
  const d = frame.deployment;
  return holder === VAULT ? d.clearingHouse : holder === INSURANCE_FUND ? d.insuranceFund : addressOf(holder);
}

function view(fn: () => bigint): string {
  try {
    return fn().toString();
  } catch (e) {
    if (isModelError(e)) return 'reverts';
    throw e;
  }
}

export function readModelState(ch: ClearingHouse, frame: PerpV1Frame, views: boolean): FlatState {
  const out: FlatState = {};
  for (const id of frame.marketIds) {
    const m = ch.market(id);
    const v = m.vamm;
    const p = `markets.${id}.`;
    out[`${p}quoteReserve`] = String(v.quoteReserve);
    out[`${p}baseReserve`] = String(v.baseReserve);
    out[`${p}totalPositionSize`] = String(v.totalPositionSize);
    out[`${p}cumulativePremiumFraction`] = String(m.cumulativePremiumFraction);
    out[`${p}fundingRate`] = String(m.fundingRate);
    out[`${p}nextFundingTime`] = String(m.nextFundingTime);
    out[`${p}open`] = String(v.open);
    out[`${p}settlementPrice`] = String(v.settlementPrice);
    out[`${p}snapshots`] = String(v.snapshots.length - v.snapshotStart);
    out[`${p}cumulativeNotional`] = String(v.cumulativeNotional);
    out[`${p}openInterestNotional`] = String(m.openInterestNotional);
    out[`${p}restrictedThisBlock`] = String(m.lastRestrictionBlock === ch.clock.blockNumber);
    out[`${p}indexPrice`] = m.oracle.chainlink.latestRound() ? String(m.oracle.indexPrice()) : '0';
    for (const name of frame.names) {
      const pos = ch.accounts.get(name)?.positions.get(id) ?? emptyPosition();
      const q = `accounts.${name}.positions.${id}.`;
      out[`${q}size`] = String(pos.size);
      out[`${q}margin`] = String(pos.margin);
      out[`${q}openNotional`] = String(pos.openNotional);
      out[`${q}lastCumulativePremiumFraction`] = String(pos.lastCumulativePremiumFraction);
      out[`${q}liquidityHistoryIndex`] = String(pos.liquidityHistoryIndex);
      out[`${q}blockNumber`] = String(pos.blockNumber);
      if (views && pos.size !== 0n) {
        out[`${q}marginRatio`] = view(() => ch.marginRatio(name, id, 'max'));
        out[`${q}positionNotional`] = view(() => ch.positionNotional(name, id, 'spot'));
        out[`${q}unrealizedPnl`] = view(() => ch.unrealizedPnl(name, id, 'spot'));
        out[`${q}positionNotionalTwap`] = view(() => ch.positionNotional(name, id, 'twap'));
        out[`${q}unrealizedPnlTwap`] = view(() => ch.unrealizedPnl(name, id, 'twap'));
      }
    }
  }
  for (const holder of holdersOf(frame)) out[`tokens.${holder}`] = String(ch.ledger.balanceOf(holder));
  out.prepaidBadDebt = String(ch.prepaidBadDebt);
  out['insuranceFund.dilution'] = String(ch.insuranceFund.dilution);
  return out;
}

/** The lens call that reads all of it (on the pending block: after the transactions sent so far). */
export function lensRequest(frame: PerpV1Frame): { method: string; params: unknown[] } {
  const d = frame.deployment;
  const data = functionCodec(frame.artifacts.PerpV1Lens.abi as Abi, 'state').encode([
    d.clearingHouse, frame.marketIds.map((id) => d.markets.get(id)!.amm), d.usdc, d.perp, holdersOf(frame).map((h) => holderAddress(frame, h)), frame.names.map((n) => addressOf(n)),
  ]);
  return { method: 'eth_call', params: [{ to: d.lens, data, gas: '0x3b9aca00' }, 'pending'] };
}

interface LensView {
  ok: boolean;
  value: bigint;
}

interface LensState {
  markets: ReadonlyArray<Record<string, bigint | boolean>>;
  positions: ReadonlyArray<{ size: bigint; margin: bigint; openNotional: bigint; lastUpdatedCumulativePremiumFraction: bigint; liquidityHistoryIndex: bigint; blockNumber: bigint }>;
  views: ReadonlyArray<{ marginRatio: LensView; spotNotional: LensView; spotPnl: LensView; twapNotional: LensView; twapPnl: LensView }>;
  balances: readonly bigint[];
  prepaidBadDebt: bigint;
  backstopTokensMinted: bigint;
}

/** The lens's answer in the model's terms (times and blocks shifted back to the model's clock). */
export function decodeChainState(frame: PerpV1Frame, data: Hex, views: boolean): FlatState {
  const s = functionCodec(frame.artifacts.PerpV1Lens.abi as Abi, 'state').decode(data) as LensState;
  const out: FlatState = {};
  const shown = (v: LensView) => (v.ok ? String(v.value) : 'reverts');
  frame.marketIds.forEach((id, mi) => {
    const m = s.markets[mi]!;
    const p = `markets.${id}.`;
    for (const key of ['quoteReserve', 'baseReserve', 'totalPositionSize', 'cumulativePremiumFraction', 'fundingRate', 'open', 'settlementPrice', 'snapshots', 'cumulativeNotional', 'openInterestNotional', 'restrictedThisBlock', 'indexPrice']) {
      out[`${p}${key}`] = String(m[key]);
    }
    out[`${p}nextFundingTime`] = String(Number(m.nextFundingTime) + frame.timeOffset);
    frame.names.forEach((name, ti) => {
      const i = mi * frame.names.length + ti;
      const pos = s.positions[i]!;
      const q = `accounts.${name}.positions.${id}.`;
      out[`${q}size`] = String(pos.size);
      out[`${q}margin`] = String(pos.margin);
      out[`${q}openNotional`] = String(pos.openNotional);
      out[`${q}lastCumulativePremiumFraction`] = String(pos.lastUpdatedCumulativePremiumFraction);
      out[`${q}liquidityHistoryIndex`] = String(pos.liquidityHistoryIndex);
      out[`${q}blockNumber`] = pos.blockNumber === 0n ? '0' : String(Number(pos.blockNumber) + frame.blockOffset);
      if (views && pos.size !== 0n) {
        const v = s.views[i]!;
        out[`${q}marginRatio`] = shown(v.marginRatio);
        out[`${q}positionNotional`] = shown(v.spotNotional);
        out[`${q}unrealizedPnl`] = shown(v.spotPnl);
        out[`${q}positionNotionalTwap`] = shown(v.twapNotional);
        out[`${q}unrealizedPnlTwap`] = shown(v.twapPnl);
      }
    });
  });
  holdersOf(frame).forEach((h, i) => {
    out[`tokens.${h}`] = String(s.balances[i]);
  });
  out.prepaidBadDebt = String(s.prepaidBadDebt);
  out['insuranceFund.dilution'] = String(s.backstopTokensMinted);
  return out;
}
