/**
 * The funding premium of one settlement: (markTwap − indexTwap)·period/convergence, clamped to
 * ±cap·indexTwap·period/capWindow when a cap is set. Perp v1 is the uncapped case with a
 * one-day convergence; the default design converges over 8 h with a 0.1 %/8 h cap.
 */
import { divD, mulD } from './math/fixed.ts';
import type { FundingParams } from './params.ts';

export interface FundingPremium {
  /** Premium fraction applied: quote per base unit of position. */
  readonly premiumFraction: bigint;
  /** Before the cap (equal when uncapped or within the cap). */
  readonly uncappedPremiumFraction: bigint;
  /** premiumFraction / indexTwap (informational). */
  readonly fundingRate: bigint;
  /** The cap's bound on |premiumFraction| (0 when uncapped). */
  readonly capBound: bigint;
}

export function fundingPremium(markTwap: bigint, indexTwap: bigint, params: FundingParams): FundingPremium {
  const premium = markTwap - indexTwap;
  const uncapped = (premium * BigInt(params.fundingPeriod)) / BigInt(params.convergencePeriod);
  let premiumFraction = uncapped;
  let capBound = 0n;
  if (params.fundingCapRatio > 0n) {
    capBound = (mulD(indexTwap, params.fundingCapRatio) * BigInt(params.fundingPeriod)) / BigInt(params.fundingCapWindow);
    if (premiumFraction > capBound) premiumFraction = capBound;
    else if (premiumFraction < -capBound) premiumFraction = -capBound;
  }
  return { premiumFraction, uncappedPremiumFraction: uncapped, fundingRate: divD(premiumFraction, indexTwap), capBound };
}

/**
 * Next settlement time, as Perp v1: on the hour after one more period, but never sooner than
 * half a period from now (so a late settlement cannot be followed by an immediate one).
 */
export function nextFundingTime(previous: number, now: number, fundingPeriod: number): number {
  const onHour = Math.floor((previous + fundingPeriod) / 3600) * 3600;
  const minNext = now + Math.floor(fundingPeriod / 2);
  return onHour > minNext ? onHour : minNext;
}

/** First settlement time when a market opens: on the hour after one period. */
export function firstFundingTime(now: number, fundingPeriod: number): number {
  return Math.floor((now + fundingPeriod) / 3600) * 3600;
}
