/**
 * A JSON view of the whole protocol state: what `vamm script` prints after each step and what
 * expectations address by dot path. Amounts are integer strings: 18-decimal wei, except under
 * `tokens`, which are collateral-token units (6 decimals).
 */
import type { ClearingHouse } from './clearing-house.ts';
import { isModelError } from './errors.ts';

export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

const s = (x: bigint): string => x.toString();

/** A view that reverts (e.g. margin ratio of an empty position) is shown as null. */
function tryView(fn: () => bigint): string | null {
  try {
    return fn().toString();
  } catch (e) {
    if (isModelError(e)) return null;
    throw e;
  }
}

export function stateView(ch: ClearingHouse, options: { views?: boolean } = {}): { [key: string]: Json } {
  const views = options.views ?? true;
  const markets: { [key: string]: Json } = {};
  for (const [id, m] of ch.markets) {
    const v = m.vamm;
    const round = m.oracle.chainlink.latestAnswer();
    markets[id] = {
      quoteReserve: s(v.quoteReserve),
      baseReserve: s(v.baseReserve),
      spotPrice: s(v.spotPrice()),
      k: s(v.k()),
      totalPositionSize: s(v.totalPositionSize),
      cumulativeNotional: s(v.cumulativeNotional),
      open: v.open,
      settlementPrice: s(v.settlementPrice),
      snapshots: v.snapshots.length - v.snapshotStart,
      liquidityHistoryIndex: v.liquidityHistoryIndex,
      cumulativePremiumFraction: s(m.cumulativePremiumFraction),
      fundingRate: s(m.fundingRate),
      nextFundingTime: m.nextFundingTime,
      lastRestrictionBlock: m.lastRestrictionBlock,
      openInterestNotional: s(m.openInterestNotional),
      openNotionalLong: s(m.openNotionalLong),
      openNotionalShort: s(m.openNotionalShort),
      lossIndexLong: s(m.lossIndexLong),
      lossIndexShort: s(m.lossIndexShort),
      indexPrice: round ? s(round.answerWei) : null,
      indexRoundId: round ? s(round.roundId) : null,
      oracleFault: m.oracle.chainlink.fault,
      indexTwapOverride: s(m.oracle.chainlink.twapOverride),
      fastPrice: m.oracle.fast.latest ? s(m.oracle.fast.latest.price) : null,
      netTraderValue: tryView(() => ch.netTraderValue(m)),
      migrationPending: m.migration !== null,
      remapCursor: m.migration ? m.migration.cursor : null,
    };
  }
  const accounts: { [key: string]: Json } = {};
  for (const owner of [...ch.accounts.keys()].sort()) {
    const account = ch.accounts.get(owner)!;
    const positions: { [key: string]: Json } = {};
    for (const [marketId, stored] of [...account.positions].sort(([a], [b]) => (a < b ? -1 : 1))) {
      const p = ch.position(owner, marketId);
      const entry: { [key: string]: Json } = {
        size: s(p.size),
        margin: s(p.margin),
        openNotional: s(p.openNotional),
        isolated: p.isolated,
        lastCumulativePremiumFraction: s(p.lastCumulativePremiumFraction),
        lastLossIndex: s(p.lastLossIndex),
        liquidityHistoryIndex: stored.liquidityHistoryIndex,
        blockNumber: p.blockNumber,
      };
      if (p.size !== 0n && stored.size !== p.size) entry.storedSize = s(stored.size);
      if (views && p.size !== 0n) {
        entry.positionNotional = tryView(() => ch.positionNotional(owner, marketId, 'spot'));
        entry.unrealizedPnl = tryView(() => ch.unrealizedPnl(owner, marketId, 'spot'));
        entry.unrealizedPnlTwap = tryView(() => ch.unrealizedPnl(owner, marketId, 'twap'));
        entry.fundingOwed = tryView(() => ch.fundingOwed(owner, marketId));
        entry.lossOwed = tryView(() => ch.lossOwed(owner, marketId));
        entry.marginRatio = tryView(() => ch.marginRatio(owner, marketId, 'max'));
        entry.marginRatioSpot = tryView(() => ch.marginRatio(owner, marketId, 'spot'));
        entry.marginWithFundingPayment = tryView(() => ch.marginWithFundingPayment(owner, marketId));
        entry.freeCollateral = tryView(() => ch.freeCollateral(owner, marketId));
      }
      positions[marketId] = entry;
    }
    accounts[owner] = { collateral: s(account.collateral), positions };
  }
  const tokens: { [key: string]: Json } = {};
  for (const holder of [...ch.ledger.balances.keys()].sort()) tokens[holder] = s(ch.ledger.balanceOf(holder));
  return {
    block: ch.clock.blockNumber,
    timestamp: ch.clock.timestamp,
    profile: ch.params.profile,
    markets,
    accounts,
    tokens,
    tokenSupply: s(ch.ledger.totalSupply),
    insuranceFund: {
      balance: s(ch.insuranceFund.balance()),
      dilution: s(ch.insuranceFund.dilution),
      uncollected: s(ch.insuranceFund.uncollected),
    },
    vault: s(ch.vaultBalance()),
    yieldSource: {
      attached: ch.vault.attached,
      principal: s(ch.vault.principal),
      shortfall: s(ch.vault.yieldShortfall),
      tripped: ch.vault.tripped,
      shares: s(ch.vault.source.vaultShares),
      assets: s(ch.vault.source.totalAssets()),
      liquidity: ch.vault.source.liquidity === null ? null : s(ch.vault.source.liquidity),
    },
    treasury: s(ch.treasury),
    prepaidBadDebt: s(ch.prepaidBadDebt),
    uncoveredBadDebt: s(ch.uncoveredBadDebt),
    unfundedCurveCost: s(ch.unfundedCurveCost),
    roundingLeak: s(ch.roundingLeak),
    vaultOverpaidToInsuranceFund: s(ch.vaultOverpaidToInsuranceFund),
    ignoredBadDebt: s(ch.ignoredBadDebt),
  };
}

/** JSON-safe copy of a value holding bigints (as decimal strings). */
export function toJson(value: unknown): Json {
  return JSON.parse(JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? v.toString() : v))) as Json;
}
