/**
 * Fills an observation from the model: float64 copies of the market and every account, valued
 * at spot (cheap enough to do every block; liquidations still check the exact ratio).
 */
import type { ClearingHouse } from '../clearing-house.ts';
import { exitValueOrSpot } from '../curve.ts';
import { isModelError } from '../errors.ts';
import { divD, mulD } from '../math/fixed.ts';
import { weiToNumber } from '../math/units.ts';
import type { FloatTwap } from './float-twap.ts';
import { A, H, M, type Observation, P, POSITION_FIELDS } from './observation.ts';

const ONE = 10n ** 18n;

/** The exact liquidation ratio, or the spot ratio when the position cannot be valued on a past curve. */
function liquidationRatioOrSpot(ch: ClearingHouse, owner: string, market: string, spotRatio: number): number {
  try {
    return weiToNumber(ch.liquidationMarginRatio(owner, market));
  } catch (e) {
    if (isModelError(e)) return spotRatio;
    throw e;
  }
}

/**
 * What each account's rows were last computed from. Most wakes change nothing an account's rows
 * depend on (its wallet, collateral and positions, and the reserves and premium of their
 * markets), and valuing every position at spot is most of an observation's cost.
 */
const lastInputs = new WeakMap<Observation, Array<bigint[] | undefined>>();
/** The journal version the observation's account rows were last brought up to date at. */
const lastVersion = new WeakMap<Observation, number>();

function accountInputs(ch: ClearingHouse, owner: string, markets: readonly string[]): bigint[] {
  const account = ch.accounts.get(owner);
  const inputs = [ch.ledger.balanceOfWei(owner), account?.collateral ?? 0n];
  for (const id of markets) {
    const pos = account?.positions.get(id);
    const m = ch.market(id);
    if (pos) inputs.push(1n, pos.size, pos.margin, pos.openNotional, pos.lastCumulativePremiumFraction, pos.isolated ? 1n : 0n);
    else inputs.push(0n);
    inputs.push(m.vamm.quoteReserve, m.vamm.baseReserve, m.cumulativePremiumFraction);
  }
  return inputs;
}

function sameInputs(a: readonly bigint[] | undefined, b: readonly bigint[]): boolean {
  if (!a || a.length !== b.length) return false;
  for (let i = 0; i < b.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** What the engine adds to the protocol's state: the block's base fee (gwei), the ETH price gas is paid at, the CEX price per market. */
export interface OffChainView {
  readonly baseFee: number;
  readonly ethUsd: number;
  readonly cex?: ReadonlyMap<string, number>;
  /** Whether priority fees order the block (default: they do). */
  readonly feeOrdering?: boolean;
}

export function writeObservation(ch: ClearingHouse, obs: Observation, twaps: ReadonlyMap<string, FloatTwap>, gas: OffChainView = { baseFee: 0, ethUsd: 0 }): void {
  const d = obs.data;
  const now = ch.clock.timestamp;
  d[H.timestamp] = now;
  d[H.blockNumber] = ch.clock.blockNumber;
  d[H.insuranceFund] = weiToNumber(ch.insuranceFundBalance());
  d[H.maintenanceMarginRatio] = weiToNumber(ch.params.maintenanceMarginRatio);
  d[H.initMarginRatio] = weiToNumber(ch.params.initMarginRatio);
  d[H.liquidationFeeRatio] = weiToNumber(ch.params.liquidationFeeRatio);
  d[H.baseFee] = gas.baseFee;
  d[H.ethUsd] = gas.ethUsd;
  d[H.feeOrdering] = gas.feeOrdering === false ? 0 : 1;
  d[H.restrictionMode] = ch.params.restrictionMode ? 1 : 0;
  for (const id of obs.layout.markets) {
    const m = ch.market(id);
    const o = obs.marketOffset(id);
    const spot = weiToNumber(m.vamm.spotPrice());
    const index = m.oracle.chainlink.latestRound() ? weiToNumber(m.oracle.chainlink.lastPublishedWei()) : spot;
    d[o + M.spot] = spot;
    d[o + M.markTwap] = twaps.get(id)?.average(now) ?? spot;
    d[o + M.index] = index;
    d[o + M.fast] = m.oracle.fast.latest ? weiToNumber(m.oracle.fast.latest.price) : index;
    d[o + M.cex] = gas.cex?.get(id) ?? (d[o + M.fast] as number);
    d[o + M.fundingRate] = weiToNumber(m.fundingRate);
    d[o + M.fundingPeriod] = m.params.funding.fundingPeriod;
    d[o + M.nextFundingTime] = m.nextFundingTime;
    d[o + M.quoteReserve] = weiToNumber(m.vamm.quoteReserve);
    d[o + M.baseReserve] = weiToNumber(m.vamm.baseReserve);
    d[o + M.totalPositionSize] = weiToNumber(m.vamm.totalPositionSize);
    d[o + M.feeRatio] = weiToNumber(m.params.fees.feeRatio + m.params.fees.tollRatio + m.params.fees.spreadRatio);
    d[o + M.maxLeverage] = weiToNumber(divD(ONE, ch.params.initMarginRatio));
    d[o + M.fluctuationLimit] = weiToNumber(m.vamm.fluctuationLimitRatio);
    d[o + M.open] = m.vamm.open ? 1 : 0;
  }
  const mmr = weiToNumber(ch.params.maintenanceMarginRatio);
  let cache = lastInputs.get(obs);
  if (!cache) lastInputs.set(obs, (cache = []));
  // No state change since the last observation (the journal says so): every account row stands.
  const stateChanged = lastVersion.get(obs) !== ch.j.version;
  lastVersion.set(obs, ch.j.version);
  for (const [i, owner] of obs.layout.accounts.entries()) {
    if (stateChanged) {
      const inputs = accountInputs(ch, owner, obs.layout.markets);
      if (!sameInputs(cache[i], inputs)) {
        cache[i] = inputs;
        writeAccount(ch, obs, i, owner);
      }
    }
    // Near maintenance, the exact ratio liquidation will check (it moves with time: TWAP walks).
    for (const id of obs.layout.markets) {
      const po = obs.positionOffset(i, id);
      const spotRatio = d[po + P.marginRatio] as number;
      d[po + P.liquidationRatio] = spotRatio;
      if (!Number.isNaN(spotRatio) && spotRatio < mmr * 1.5) d[po + P.liquidationRatio] = liquidationRatioOrSpot(ch, owner, id, spotRatio);
    }
  }
}

/** An account's rows at spot. */
function writeAccount(ch: ClearingHouse, obs: Observation, i: number, owner: string): void {
  const d = obs.data;
  const account = ch.accounts.get(owner);
  const ao = obs.accountOffset(i);
  d[ao + A.wallet] = weiToNumber(ch.ledger.balanceOfWei(owner));
  d[ao + A.collateral] = weiToNumber(account?.collateral ?? 0n);
  // Cross group: collateral + Σ (pnl − funding) over cross positions, and their notional.
  let crossValue = account?.collateral ?? 0n;
  let crossNotional = 0n;
  const crossRows: number[] = [];
  for (const id of obs.layout.markets) {
    const po = obs.positionOffset(i, id);
    const pos = account?.positions.get(id);
    if (!pos || pos.size === 0n) {
      d.fill(0, po, po + POSITION_FIELDS.length);
      d[po + P.margin] = pos ? weiToNumber(pos.margin) : 0;
      d[po + P.marginRatio] = Number.NaN;
      d[po + P.groupValue] = Number.NaN;
      continue;
    }
    const m = ch.market(id);
    const notional = exitValueOrSpot(pos.size, m.vamm.quoteReserve, m.vamm.baseReserve);
    const absNotional = notional < 0n ? -notional : notional;
    const pnl = pos.size > 0n ? notional - pos.openNotional : pos.openNotional + notional;
    const funding = mulD(m.cumulativePremiumFraction - pos.lastCumulativePremiumFraction, pos.size);
    d[po + P.size] = weiToNumber(pos.size);
    d[po + P.openNotional] = weiToNumber(pos.openNotional);
    d[po + P.margin] = weiToNumber(pos.margin);
    d[po + P.isolated] = pos.isolated ? 1 : 0;
    d[po + P.notional] = weiToNumber(absNotional);
    d[po + P.pnl] = weiToNumber(pnl);
    d[po + P.fundingOwed] = weiToNumber(funding);
    if (pos.isolated) {
      const value = pos.margin + pnl - funding;
      d[po + P.groupValue] = weiToNumber(value);
      d[po + P.marginRatio] = absNotional === 0n ? Number.NaN : weiToNumber(divD(value, absNotional));
    } else {
      crossValue += pnl - funding;
      crossNotional += absNotional;
      crossRows.push(po);
    }
  }
  for (const po of crossRows) {
    d[po + P.groupValue] = weiToNumber(crossValue);
    d[po + P.marginRatio] = crossNotional === 0n ? Number.NaN : weiToNumber(divD(crossValue, crossNotional));
  }
}
