/**
 * What an off-chain hedge costs on the venue it trades on (a centralised perpetual): the taker
 * fee and half the spread on every hedge trade, the price impact of its size, and the venue's
 * funding on the hedge position while it is open. Stated assumptions, each a parameter:
 *
 * - taker fee 0.04 % (Binance USDⓈ-M's base taker fee before 2023; a large attacker pays less);
 * - half-spread 1 bp (ETH perpetuals quote a tick of 0.01 USD, far inside a bp; 1 bp allows for
 *   fast markets);
 * - impact by the square-root law, Y·σ_day·√(notional / daily volume), with Y = 1, σ_day = 4 %
 *   and 2 billion USD of daily volume (below the ETH perpetual's typical volume since 2021, so
 *   the hedge is not assumed cheaper than it was in 2018–2020);
 * - venue funding 0.01 % per 8 h paid by longs to shorts (the interest-rate component most 8-hour
 *   settlements of the large venues settle at when the premium is small).
 */
export interface HedgeCostModel {
  readonly takerFee: number;
  readonly halfSpread: number;
  /** Y·σ_day of the square-root law. */
  readonly impactScale: number;
  readonly dailyVolumeUsd: number;
  /** Venue funding per 8 h, positive: longs pay shorts. */
  readonly fundingPer8h: number;
}

export const DEFAULT_HEDGE_COSTS: HedgeCostModel = { takerFee: 0.0004, halfSpread: 0.0001, impactScale: 0.04, dailyVolumeUsd: 2e9, fundingPer8h: 0.0001 };

/** A free hedge (what the run summary assumes for arbitrageurs). */
export const FREE_HEDGE: HedgeCostModel = { takerFee: 0, halfSpread: 0, impactScale: 0, dailyVolumeUsd: 1, fundingPer8h: 0 };

/** Fee, half-spread and impact of one hedge trade of `notional` USD (either sign). */
export function hedgeTradeCost(m: HedgeCostModel, notional: number): number {
  const n = Math.abs(notional);
  return n * (m.takerFee + m.halfSpread + m.impactScale * Math.sqrt(n / m.dailyVolumeUsd));
}

/** Venue funding a hedge of `hedgeNotional` USD (+ long) pays over `seconds`. */
export function hedgeFunding(m: HedgeCostModel, hedgeNotional: number, seconds: number): number {
  return (hedgeNotional * m.fundingPer8h * seconds) / 28_800;
}
