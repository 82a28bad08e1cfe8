/**
 * Events in one canonical form for both sides: the model's ProtocolEvents and the chain's logs
 * (ClearingHouse, InsuranceFund, the Chainlink aggregator) become flat objects of strings with the
 * chain's event names, so a step's events compare as two lists.
 */
import { type Abi, type AbiEvent, type Hex, decodeEventLog, toEventSelector } from 'viem';
import type { ProtocolEvent } from '../../sim/events.ts';
import { actorAddress, addressOf, marketKey } from './chain.ts';

export type CanonicalEvent = Record<string, string>;

const FLOWS = ['fee', 'penalty', 'funding', 'bad-debt', 'curve-cost', 'prepaid-bad-debt', 'seed', 'yield-loss'];
const REMAPS: Record<string, string> = { eager: '1', none: '2', lazy: '?' };
const s = (v: unknown): string => (typeof v === 'boolean' ? (v ? 'true' : 'false') : String(v));

/** Chain names of clearing-house parameters the model sets by key (value as the chain stores it). */
export function chainParamLeaves(name: string, value: unknown): Array<[string, bigint]> {
  if (name === 'liquidation') {
    const v = value as { kind: string; fullLiquidationBelowNotional?: bigint };
    if (v.kind !== 'minimal') throw new Error('fixed-ratio liquidation is not part of the default contracts');
    return [['fullLiquidationBelowNotional', v.fullLiquidationBelowNotional as bigint]];
  }
  if (typeof value === 'boolean') return [[name, value ? 1n : 0n]];
  if (typeof value === 'bigint') return [[name, value]];
  if (typeof value === 'number') return [[name, BigInt(value)]];
  if (value && typeof value === 'object') {
    return Object.entries(value as Record<string, unknown>).flatMap(([k, v]) => chainParamLeaves(k, v));
  }
  throw new Error(`parameter ${name} = ${String(value)} has no chain form`);
}

function parseDescribed(value: string): unknown {
  return JSON.parse(value, (_k, v) => (typeof v === 'string' && /^-?\d+$/.test(v) ? BigInt(v) : v));
}

/** The model's event in the chain's form (ParameterChanged may become several leaves). */
export function canonicalModelEvents(e: ProtocolEvent): CanonicalEvent[] {
  const a = (name: string) => addressOf(name).toLowerCase();
  const k = (id: string) => marketKey(id).toLowerCase();
  switch (e.type) {
    case 'PositionChanged':
      return [{
        type: 'PositionChanged', trader: a(e.trader), market: k(e.market), margin: s(e.margin), positionNotional: s(e.positionNotional),
        exchangedPositionSize: s(e.exchangedPositionSize), fee: s(e.fee), positionSizeAfter: s(e.positionSizeAfter), realizedPnl: s(e.realizedPnl),
        unrealizedPnlAfter: s(e.unrealizedPnlAfter), badDebt: s(e.badDebt), liquidationPenalty: s(e.liquidationPenalty), spotPrice: s(e.spotPrice),
        fundingPayment: s(e.fundingPayment),
      }];
    case 'PositionLiquidated':
      return [{
        type: 'PositionLiquidated', trader: a(e.trader), market: k(e.market), positionNotional: s(e.positionNotional), positionSize: s(e.positionSize),
        liquidationFee: s(e.liquidationFee), liquidator: a(e.liquidator), badDebt: s(e.badDebt), isPartial: s(e.partial),
      }];
    case 'MarginChanged':
      return [{ type: 'MarginChanged', trader: a(e.trader), market: k(e.market), amount: s(e.amount), fundingPayment: s(e.fundingPayment) }];
    case 'Deposited':
    case 'Withdrawn':
      return [{ type: e.type, trader: a(e.trader), amount: s(e.amount) }];
    case 'FundingSettled':
      return [{
        type: 'FundingSettled', market: k(e.market), markTwap: s(e.markTwap), indexTwap: s(e.indexTwap), premiumFraction: s(e.premiumFraction),
        uncappedPremiumFraction: s(e.uncappedPremiumFraction), fundingRate: s(e.fundingRate), cumulativePremiumFraction: s(e.cumulativePremiumFraction),
        ammFundingProfit: s(e.ammFundingProfit),
      }];
    case 'InsuranceFundFlow':
      return [{ type: 'InsuranceFundFlow', reason: s(FLOWS.indexOf(e.reason)), amount: s(e.amount), balanceAfter: s(e.balanceAfter) }];
    case 'BadDebt':
      return [{
        type: 'BadDebtAbsorbed', trader: a(e.trader), market: k(e.market), amount: s(e.amount), coveredByInsuranceFund: s(e.coveredByInsuranceFund),
        socialised: s(e.socialised), uncovered: s(e.uncovered),
      }];
    case 'SocialisedLoss':
      return [{ type: 'SocialisedLoss', market: k(e.market), long: s(e.side === 'long'), amount: s(e.amount), indexDelta: s(e.indexDelta), cause: e.cause === 'bad-debt' ? '0' : '1' }];
    case 'RestrictionModeEntered':
      return [{ type: 'RestrictionModeEntered', market: k(e.market) }];
    case 'LiquidityMigrated':
      return [{
        type: 'LiquidityMigrated', market: k(e.market), multiplier: s(e.multiplier), remap: REMAPS[e.remap] ?? '?', quoteReserve: s(e.quoteReserve),
        baseReserve: s(e.baseReserve), cost: s(e.cost),
      }];
    case 'PositionAdjusted':
      return [{
        type: 'PositionAdjusted', trader: a(e.trader), market: k(e.market), oldSize: s(e.oldSize), newSize: s(e.newSize), oldIndex: s(e.oldIndex), newIndex: s(e.newIndex),
      }];
    case 'Repegged':
      return [{ type: 'Repegged', market: k(e.market), oldQuoteReserve: s(e.oldQuoteReserve), newQuoteReserve: s(e.newQuoteReserve), cost: s(e.cost) }];
    case 'CurveCostCharged':
      return [{
        type: 'CurveCostCharged', market: k(e.market), cost: s(e.cost), fromTreasury: s(e.fromTreasury), fromInsuranceFund: s(e.fromInsuranceFund), unfunded: s(e.unfunded),
      }];
    case 'Shutdown':
      return [{ type: 'Shutdown', market: k(e.market), settlementPrice: s(e.settlementPrice) }];
    case 'PositionSettled':
      return [{ type: 'PositionSettled', trader: a(e.trader), market: k(e.market), valueTransferred: s(e.valueTransferred) }];
    case 'ParameterChanged': {
      const market = e.market === null ? `0x${'0'.repeat(64)}` : k(e.market);
      return chainParamLeaves(e.name, parseDescribed(e.value)).map(([name, value]) => ({
        type: 'ParameterChanged', market, name: marketKeyOfName(name), value: s(value),
      }));
    }
    case 'OracleRound':
      return [{ type: 'AnswerUpdated', current: s(e.answer), roundId: s(e.roundId), updatedAt: s(e.updatedAt) }];
    case 'BackstopDilution':
      return [{ type: 'BackstopDilution', amount: s(e.amount), backstopTokensMinted: s(e.backstopTokensMinted) }];
    case 'WhitelistChanged':
      return [{ type: 'WhitelistChanged', account: e.account === null ? `0x${'0'.repeat(40)}` : a(e.account) }];
    case 'PayoutCredited':
      return [{ type: 'PayoutCredited', to: a(e.to), amount: s(e.amount) }];
    case 'YieldDeposited':
      return [{ type: 'YieldDeposited', units: s(e.units), shares: s(e.shares) }];
    case 'YieldWithdrawn':
      return [{ type: 'YieldWithdrawn', units: s(e.units) }];
    case 'CircuitBreakerTripped':
      return [{ type: 'CircuitBreakerTripped', by: actorAddress(e.by).toLowerCase(), unitsRecovered: s(e.unitsRecovered), principal: s(e.principal) }];
    case 'YieldLossRecognised':
      return [{ type: 'YieldLossRecognised', loss: s(e.loss), coveredByInsuranceFund: s(e.coveredByInsuranceFund), shortfall: s(e.shortfall) }];
  }
}

function marketKeyOfName(name: string): string {
  return marketKey(name).toLowerCase();
}

/** Chain events the model has no twin for: token transfers, the aggregator's NewRound, feed updates, injected faults. */
const IGNORED = new Set([
  'NewRound', 'Transfer', 'Approval', 'PriceFeedUpdate', 'MarketAdded', 'ClearingHouseSet', 'OperatorsSet', 'FaultSet', 'YieldSourceSet', 'GuardianSet',
  'OwnershipTransferStarted', 'OwnershipTransferred',
]);

const eventsByTopic = new WeakMap<Abi, ReadonlyMap<string, Abi>>();

/**
 * The one-event ABI a log's first topic names, so decodeEventLog hashes one signature instead of
 * searching the contract's events (a keccak per event per log); undefined for a topic not in it.
 */
function eventAbiOf(abi: Abi, topic: Hex | undefined): Abi | undefined {
  let byTopic = eventsByTopic.get(abi);
  if (!byTopic) {
    const map = new Map<string, Abi>();
    for (const item of abi) if (item.type === 'event' && !item.anonymous) map.set(toEventSelector(item as AbiEvent).toLowerCase(), [item]);
    eventsByTopic.set(abi, (byTopic = map));
  }
  return topic === undefined ? undefined : byTopic.get(topic.toLowerCase());
}

/** Decodes a transaction's logs from the given contracts into canonical events. */
export function canonicalChainEvents(logs: ReadonlyArray<{ address: Hex; topics: Hex[]; data: Hex }>, abiByAddress: ReadonlyMap<string, Abi>): CanonicalEvent[] {
  const out: CanonicalEvent[] = [];
  for (const log of logs) {
    const abi = abiByAddress.get(log.address.toLowerCase());
    if (!abi) continue;
    let decoded: { eventName: string; args: Record<string, unknown> };
    try {
      decoded = decodeEventLog({ abi: eventAbiOf(abi, log.topics[0]) ?? abi, topics: log.topics as [Hex, ...Hex[]], data: log.data }) as never;
    } catch {
      out.push({ type: 'undecodable', address: log.address, topic: log.topics[0] ?? '' });
      continue;
    }
    if (IGNORED.has(decoded.eventName)) continue;
    const flat: CanonicalEvent = { type: decoded.eventName };
    for (const [key, value] of Object.entries(decoded.args)) {
      if (value && typeof value === 'object' && !Array.isArray(value)) {
        for (const [k2, v2] of Object.entries(value as Record<string, unknown>)) flat[k2] = s(v2);
      } else {
        flat[key] = typeof value === 'string' ? value.toLowerCase() : s(value);
      }
    }
    out.push(flat);
  }
  return out;
}

export function sameEvent(a: CanonicalEvent, b: CanonicalEvent): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const key of keys) if (a[key] !== b[key]) return false;
  return true;
}

export function formatEvent(e: CanonicalEvent | undefined): string {
  if (!e) return '(none)';
  const { type, ...rest } = e;
  return `${type}(${Object.entries(rest).map(([k, v]) => `${k}=${v}`).join(', ')})`;
}
