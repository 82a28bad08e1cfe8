/**
 * The state both sides are compared on, as flat `path → value` maps (integers as decimal strings,
 * block numbers in the model's numbering): every market's reserves, net position, snapshots,
 * funding, open-interest and loss books and oracle round; every account's collateral and position
 * records; token balances; insurance fund, vault, treasury and the losses on record.
 */
import type { Abi, Hex } from 'viem';
import type { ClearingHouse } from '../../sim/clearing-house.ts';
import { stateView } from '../../sim/state-view.ts';
import type { Artifacts } from './compile.ts';
import type { CoreDeployment, MarketDeployment, Rpc } from './chain.ts';
import { TOKEN_SCALE } from './chain.ts';
import { type FunctionCodec, functionCodec } from './function-codec.ts';

export type FlatState = Record<string, string>;

/** The model's state; with `only`, just those accounts (as the lens's stateOf reads them). */
export function readModelState(ch: ClearingHouse, holders: readonly string[], only?: ReadonlySet<string>): FlatState {
  const out: FlatState = {};
  for (const [id, m] of ch.markets) {
    const v = m.vamm;
    const p = `markets.${id}.`;
    const round = m.oracle.chainlink.latestAnswer();
    Object.assign(out, {
      [`${p}quoteReserve`]: String(v.quoteReserve),
      [`${p}baseReserve`]: String(v.baseReserve),
      [`${p}totalPositionSize`]: String(v.totalPositionSize),
      [`${p}cumulativeNotional`]: String(v.cumulativeNotional),
      [`${p}open`]: String(v.open),
      [`${p}settlementPrice`]: String(v.settlementPrice),
      [`${p}snapshots`]: String(v.snapshots.length - v.snapshotStart),
      [`${p}liquidityHistoryIndex`]: String(v.liquidityHistoryIndex),
      [`${p}cumulativePremiumFraction`]: String(m.cumulativePremiumFraction),
      [`${p}fundingRate`]: String(m.fundingRate),
      [`${p}nextFundingTime`]: String(m.nextFundingTime),
      [`${p}lastRestrictionBlock`]: String(m.lastRestrictionBlock),
      [`${p}openInterestNotional`]: String(m.openInterestNotional),
      [`${p}openNotionalLong`]: String(m.openNotionalLong),
      [`${p}openNotionalShort`]: String(m.openNotionalShort),
      [`${p}lossIndexLong`]: String(m.lossIndexLong),
      [`${p}lossIndexShort`]: String(m.lossIndexShort),
      [`${p}ammFundingProfit`]: String(m.ammFundingProfit),
      [`${p}traderFundingSettled`]: String(m.traderFundingSettled),
      [`${p}fundingRoundings`]: String(m.fundingRoundings),
      [`${p}settledPositionSize`]: String(m.settledPositionSize),
      [`${p}indexPrice`]: round ? String(round.answerWei) : 'none',
      [`${p}indexRoundId`]: round ? String(round.roundId) : 'none',
      [`${p}migrationPending`]: String(m.migration !== null),
      [`${p}remapCursor`]: m.migration ? String(m.migration.cursor) : '-',
    });
  }
  for (const [owner, account] of ch.accounts) {
    if (only && !only.has(owner)) continue;
    out[`accounts.${owner}.collateral`] = String(account.collateral);
    for (const [id, pos] of account.positions) {
      const p = `accounts.${owner}.positions.${id}.`;
      Object.assign(out, {
        [`${p}size`]: String(pos.size),
        [`${p}margin`]: String(pos.margin),
        [`${p}openNotional`]: String(pos.openNotional),
        [`${p}isolated`]: String(pos.isolated),
        [`${p}lastCumulativePremiumFraction`]: String(pos.lastCumulativePremiumFraction),
        [`${p}lastLossIndex`]: String(pos.lastLossIndex),
        [`${p}liquidityHistoryIndex`]: String(pos.liquidityHistoryIndex),
        [`${p}blockNumber`]: String(pos.blockNumber),
      });
    }
  }
  for (const holder of holders) out[`tokens.${holder}`] = String(ch.ledger.balanceOf(holder));
  Object.assign(out, {
    tokenSupply: String(ch.ledger.totalSupply),
    'insuranceFund.balance': String(ch.insuranceFund.balance()),
    vault: String(ch.vaultBalance()),
    treasury: String(ch.treasury),
    uncoveredBadDebt: String(ch.uncoveredBadDebt),
    unfundedCurveCost: String(ch.unfundedCurveCost),
    'vault.yieldSourceAttached': String(ch.vault.attached),
    'vault.principal': String(ch.vault.principal),
    'vault.yieldShortfall': String(ch.vault.yieldShortfall),
    'vault.breakerTripped': String(ch.vault.tripped),
    'vault.yieldShares': ch.vault.attached ? String(ch.vault.source.vaultShares) : '-',
    'vault.yieldTotalShares': ch.vault.attached ? String(ch.vault.source.totalShares) : '-',
  });
  return out;
}

export interface StateContext {
  readonly rpc: Rpc;
  readonly core: CoreDeployment;
  readonly markets: ReadonlyMap<string, MarketDeployment>;
  /** Lower-case address → model name. */
  readonly nameOf: ReadonlyMap<string, string>;
  /** Chain block → model block. */
  readonly blockMap: ReadonlyMap<number, number>;
  readonly artifacts: Artifacts;
}

interface ChainPosition {
  size: bigint;
  margin: bigint;
  openNotional: bigint;
  lastCumulativePremiumFraction: bigint;
  lastLossIndex: bigint;
  liquidityHistoryIndex: bigint;
  blockNumber: bigint;
  isolated: boolean;
}

interface LensState {
  markets: ReadonlyArray<{
    id: Hex;
    quoteReserve: bigint;
    baseReserve: bigint;
    totalPositionSize: bigint;
    cumulativeNotional: bigint;
    open: boolean;
    settlementPrice: bigint;
    liquidityHistoryIndex: bigint;
    snapshotCount: bigint;
    books: Record<string, bigint>;
    migration: { pending: boolean; cursor: bigint };
    roundId: bigint;
    answer: bigint;
    updatedAt: bigint;
  }>;
  accounts: ReadonlyArray<{ account: Hex; collateral: bigint; positions: ReadonlyArray<{ market: Hex; position: ChainPosition }> }>;
  balances: readonly bigint[];
  totalSupply: bigint;
  insuranceFund: bigint;
  treasury: bigint;
  uncoveredBadDebt: bigint;
  unfundedCurveCost: bigint;
  vault: { yieldSource: Hex; principal: bigint; yieldShortfall: bigint; breakerTripped: boolean; shares: bigint; totalShares: bigint };
}

const BOOKS = [
  'cumulativePremiumFraction', 'fundingRate', 'nextFundingTime', 'openInterestNotional', 'openNotionalLong', 'openNotionalShort',
  'lossIndexLong', 'lossIndexShort', 'ammFundingProfit', 'traderFundingSettled', 'fundingRoundings', 'settledPositionSize',
] as const;

/**
 * The ProtocolLens call that reads the whole state, or with `only` just those accounts' records
 * (on the pending block, or a mined one). When every one of them is among `members` (accounts an
 * earlier read found on the chain: its account list only grows), the lens reads them without
 * scanning the whole list for them.
 */
export function lensRequest(
  ctx: StateContext,
  holders: readonly string[],
  block: Hex | 'pending' = 'pending',
  only?: ReadonlySet<string>,
  members?: ReadonlySet<string>,
): { method: string; params: unknown[] } {
  const { addressOfName } = namesOf(ctx);
  const addresses = holders.map(addressOfName);
  let data: Hex;
  if (!only) data = lens(ctx, 'state').encode([ctx.core.clearingHouse, addresses]);
  else if (members && [...only].every((name) => members.has(name))) data = lens(ctx, 'stateOfAccounts').encode([ctx.core.clearingHouse, [...only].map(addressOfName), addresses]);
  else data = lens(ctx, 'stateOf').encode([ctx.core.clearingHouse, [...only].map(addressOfName), addresses]);
  return ctx.rpc.callRequest(ctx.core.lens, data, undefined, block);
}

/** The accounts a state read found (the names of its `accounts.<name>.collateral` fields). */
export function accountsIn(state: FlatState): string[] {
  const out: string[] = [];
  for (const key in state) if (key.startsWith('accounts.') && key.endsWith('.collateral')) out.push(key.slice('accounts.'.length, -'.collateral'.length));
  return out;
}

const lens = (ctx: StateContext, name: string): FunctionCodec => functionCodec(ctx.artifacts.ProtocolLens!.abi as Abi, name);

interface Names {
  readonly size: number;
  readonly addressOfName: (name: string) => Hex;
  readonly holderAddress: ReadonlyMap<string, Hex>;
  /** Lower-case market key → market id. */
  readonly marketIdOf: ReadonlyMap<string, string>;
}
const namesByContext = new WeakMap<StateContext, Names>();

/** The context's name → address and market key → id lookups, built once per context (again if a name was added). */
function namesOf(ctx: StateContext): Names {
  const known = namesByContext.get(ctx);
  if (known && known.size === ctx.nameOf.size + ctx.markets.size) return known;
  const holderAddress = new Map<string, Hex>();
  for (const [address, name] of ctx.nameOf) holderAddress.set(name, address as Hex);
  const marketIdOf = new Map<string, string>();
  for (const [id, d] of ctx.markets) marketIdOf.set(d.key.toLowerCase(), id);
  const names: Names = {
    size: ctx.nameOf.size + ctx.markets.size,
    addressOfName: (h) => (h === 'vault' ? ctx.core.vault : (holderAddress.get(h) ?? (('0x' + '0'.repeat(40)) as Hex))),
    holderAddress,
    marketIdOf,
  };
  namesByContext.set(ctx, names);
  return names;
}

/** The chain's state in the model's terms, read in one call through the ProtocolLens (pending block). */
export async function readChainState(ctx: StateContext, holders: readonly string[]): Promise<FlatState> {
  const [r] = await ctx.rpc.batch([lensRequest(ctx, holders)]);
  if (!r?.ok) throw new Error(`the ProtocolLens call reverted: ${ctx.rpc.describeRevert(r?.result as Hex)}`);
  return decodeChainState(ctx, holders, r.result as Hex);
}

/** Decodes the lens's answer into the model's terms. */
export function decodeChainState(ctx: StateContext, holders: readonly string[], data: Hex): FlatState {
  const block = (b: bigint): string => {
    const n = Number(b);
    if (n === 0) return '0';
    const mapped = ctx.blockMap.get(n);
    return mapped === undefined ? `chain#${n}` : String(mapped);
  };
  const { marketIdOf, holderAddress } = namesOf(ctx);
  const s = lens(ctx, 'state').decode(data) as LensState;
  const out: FlatState = {};
  for (const m of s.markets) {
    const id = marketIdOf.get(m.id.toLowerCase()) ?? m.id;
    const p = `markets.${id}.`;
    out[`${p}quoteReserve`] = String(m.quoteReserve);
    out[`${p}baseReserve`] = String(m.baseReserve);
    out[`${p}totalPositionSize`] = String(m.totalPositionSize);
    out[`${p}cumulativeNotional`] = String(m.cumulativeNotional);
    out[`${p}open`] = String(m.open);
    out[`${p}settlementPrice`] = String(m.settlementPrice);
    out[`${p}snapshots`] = String(m.snapshotCount);
    out[`${p}liquidityHistoryIndex`] = String(m.liquidityHistoryIndex);
    for (const key of BOOKS) out[`${p}${key}`] = String(m.books[key]);
    out[`${p}lastRestrictionBlock`] = block(m.books.lastRestrictionBlock as bigint);
    out[`${p}indexPrice`] = m.updatedAt === 0n ? 'none' : String(m.answer * 10n ** 10n);
    out[`${p}indexRoundId`] = m.updatedAt === 0n ? 'none' : String(m.roundId);
    out[`${p}migrationPending`] = String(m.migration.pending);
    out[`${p}remapCursor`] = m.migration.pending ? String(m.migration.cursor) : '-';
  }
  for (const a of s.accounts) {
    const name = ctx.nameOf.get(a.account.toLowerCase()) ?? a.account;
    out[`accounts.${name}.collateral`] = String(a.collateral);
    for (const { market, position: pos } of a.positions) {
      const p = `accounts.${name}.positions.${marketIdOf.get(market.toLowerCase()) ?? market}.`;
      out[`${p}size`] = String(pos.size);
      out[`${p}margin`] = String(pos.margin);
      out[`${p}openNotional`] = String(pos.openNotional);
      out[`${p}isolated`] = String(pos.isolated);
      out[`${p}lastCumulativePremiumFraction`] = String(pos.lastCumulativePremiumFraction);
      out[`${p}lastLossIndex`] = String(pos.lastLossIndex);
      out[`${p}liquidityHistoryIndex`] = String(pos.liquidityHistoryIndex);
      out[`${p}blockNumber`] = block(pos.blockNumber);
    }
  }
  holders.forEach((h, i) => {
    out[`tokens.${h}`] = holderAddress.has(h) || h === 'vault' ? String(s.balances[i]) : 'no address';
  });
  const vaultIndex = holders.indexOf('vault');
  out.tokenSupply = String(s.totalSupply);
  out['insuranceFund.balance'] = String(s.insuranceFund);
  out.vault = vaultIndex >= 0 ? String(s.balances[vaultIndex]! * TOKEN_SCALE) : 'unknown';
  out.treasury = String(s.treasury);
  out.uncoveredBadDebt = String(s.uncoveredBadDebt);
  out.unfundedCurveCost = String(s.unfundedCurveCost);
  const attached = s.vault.yieldSource !== ('0x' + '0'.repeat(40));
  Object.assign(out, {
    'vault.yieldSourceAttached': String(attached),
    'vault.principal': String(s.vault.principal),
    'vault.yieldShortfall': String(s.vault.yieldShortfall),
    'vault.breakerTripped': String(s.vault.breakerTripped),
    'vault.yieldShares': attached ? String(s.vault.shares) : '-',
    'vault.yieldTotalShares': attached ? String(s.vault.totalShares) : '-',
  });
  return out;
}

const VIEW_NAMES = [
  'positionNotional', 'unrealizedPnl', 'unrealizedPnlTwap', 'fundingOwed', 'lossOwed', 'marginRatio', 'marginRatioSpot',
  'marginWithFundingPayment', 'freeCollateral',
] as const;

/** The model's per-position views (state-view.ts), as `accounts.<name>.positions.<market>.<view>`. */
export function readModelViews(ch: ClearingHouse): FlatState {
  const out: FlatState = {};
  const view = stateView(ch, { views: true });
  const accounts = view.accounts as Record<string, { positions: Record<string, Record<string, unknown>> }>;
  for (const [owner, account] of Object.entries(accounts)) {
    for (const [id, pos] of Object.entries(account.positions)) {
      if (pos.size === '0') continue;
      for (const name of VIEW_NAMES) out[`accounts.${owner}.positions.${id}.${name}`] = pos[name] === null ? 'reverts' : String(pos[name]);
    }
  }
  return out;
}

/** The ProtocolLens call for every open position's views (on the pending block, or a mined one). */
export function viewsRequest(ctx: StateContext, block: Hex | 'pending' = 'pending'): { method: string; params: unknown[] } {
  const data = lens(ctx, 'positionViews').encode([ctx.core.clearingHouse]);
  return ctx.rpc.callRequest(ctx.core.lens, data, undefined, block);
}

export function decodeViews(ctx: StateContext, data: Hex): FlatState {
  const rows = lens(ctx, 'positionViews').decode(data) as ReadonlyArray<
    { trader: Hex; market: Hex } & Record<(typeof VIEW_NAMES)[number], { ok: boolean; value: bigint }>
  >;
  const { marketIdOf } = namesOf(ctx);
  const out: FlatState = {};
  for (const row of rows) {
    const owner = ctx.nameOf.get(row.trader.toLowerCase()) ?? row.trader;
    const id = marketIdOf.get(row.market.toLowerCase()) ?? row.market;
    for (const name of VIEW_NAMES) out[`accounts.${owner}.positions.${id}.${name}`] = row[name].ok ? String(row[name].value) : 'reverts';
  }
  return out;
}
