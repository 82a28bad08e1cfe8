/**
 * The state both sides are compared on, as flat `path → value` maps (integers as decimal strings,
 * block numbers in the model's numbering): every market's reserves, net position, snapshots,
 * funding, open-interest and loss books and oracle round; every account's collateral and position
 * records; token balances; insurance fund, vault, treasury and the losses on record.
 */
import type { Abi, Hex } from 'viem';
import type { ClearingHouse } from '../../sim/clearing-house.ts';
import type { Artifacts } from './compile.ts';
import type { CoreDeployment, MarketDeployment, Rpc } from './chain.ts';
import { TOKEN_SCALE } from './chain.ts';

export type FlatState = Record<string, string>;

export function readModelState(ch: ClearingHouse, holders: readonly string[]): FlatState {
  const out: FlatState = {};
  for (const [id, m] of ch.markets) {
    const v = m.vamm;
    const p = `markets.${id}.`;
    const round = m.oracle.chainlink.latestRound();
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
      [`${p}indexPrice`]: round ? String(round.answer * 10n ** 10n) : 'none',
      [`${p}indexRoundId`]: round ? String(round.roundId) : 'none',
    });
  }
  for (const [owner, account] of ch.accounts) {
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

interface ChainMarket {
  cumulativePremiumFraction: bigint;
  fundingRate: bigint;
  nextFundingTime: bigint;
  lastRestrictionBlock: bigint;
  openInterestNotional: bigint;
  openNotionalLong: bigint;
  openNotionalShort: bigint;
  lossIndexLong: bigint;
  lossIndexShort: bigint;
  ammFundingProfit: bigint;
  traderFundingSettled: bigint;
  fundingRoundings: bigint;
  settledPositionSize: bigint;
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
  exists: boolean;
}

export async function readChainState(ctx: StateContext, holders: readonly string[], ch: ClearingHouse): Promise<FlatState> {
  const { rpc, core, artifacts: A } = ctx;
  const chAbi = [...A.ClearingHouse!.abi, ...A.ClearingHouseAdmin!.abi] as Abi;
  const vammAbi = A.Vamm!.abi;
  const block = (b: bigint): string => {
    const n = Number(b);
    if (n === 0) return '0';
    const mapped = ctx.blockMap.get(n);
    return mapped === undefined ? `chain#${n}` : String(mapped);
  };
  const out: FlatState = {};
  const jobs: Array<Promise<void>> = [];
  for (const [id, d] of ctx.markets) {
    const p = `markets.${id}.`;
    const vamm = (fn: string) => rpc.read<unknown>(vammAbi, d.vamm, fn);
    jobs.push(
      (async () => {
        const [q, b, tps, cn, open, sp, lhi, snaps, mk, round] = await Promise.all([
          vamm('quoteReserve'), vamm('baseReserve'), vamm('totalPositionSize'), vamm('cumulativeNotional'), vamm('open'),
          vamm('settlementPrice'), vamm('liquidityHistoryIndex'), vamm('snapshotCount'),
          rpc.read<ChainMarket>(chAbi, core.clearingHouse, 'getMarket', [d.key]),
          rpc.read<readonly [bigint, bigint, bigint, bigint, bigint]>(A.ReplayAggregator!.abi, d.aggregator, 'latestRoundData'),
        ]);
        Object.assign(out, {
          [`${p}quoteReserve`]: String(q),
          [`${p}baseReserve`]: String(b),
          [`${p}totalPositionSize`]: String(tps),
          [`${p}cumulativeNotional`]: String(cn),
          [`${p}open`]: String(open),
          [`${p}settlementPrice`]: String(sp),
          [`${p}snapshots`]: String(snaps),
          [`${p}liquidityHistoryIndex`]: String(lhi),
          [`${p}cumulativePremiumFraction`]: String(mk.cumulativePremiumFraction),
          [`${p}fundingRate`]: String(mk.fundingRate),
          [`${p}nextFundingTime`]: String(mk.nextFundingTime),
          [`${p}lastRestrictionBlock`]: block(mk.lastRestrictionBlock),
          [`${p}openInterestNotional`]: String(mk.openInterestNotional),
          [`${p}openNotionalLong`]: String(mk.openNotionalLong),
          [`${p}openNotionalShort`]: String(mk.openNotionalShort),
          [`${p}lossIndexLong`]: String(mk.lossIndexLong),
          [`${p}lossIndexShort`]: String(mk.lossIndexShort),
          [`${p}ammFundingProfit`]: String(mk.ammFundingProfit),
          [`${p}traderFundingSettled`]: String(mk.traderFundingSettled),
          [`${p}fundingRoundings`]: String(mk.fundingRoundings),
          [`${p}settledPositionSize`]: String(mk.settledPositionSize),
          [`${p}indexPrice`]: round[3] === 0n ? 'none' : String(round[1] * 10n ** 10n),
          [`${p}indexRoundId`]: round[3] === 0n ? 'none' : String(round[0]),
        });
      })(),
    );
  }
  const marketIdOf = new Map<string, string>();
  for (const [id, d] of ctx.markets) marketIdOf.set(d.key.toLowerCase(), id);
  jobs.push(
    (async () => {
      const accounts = await rpc.read<readonly Hex[]>(chAbi, core.clearingHouse, 'getAccounts');
      await Promise.all(
        accounts.map(async (account) => {
          const name = ctx.nameOf.get(account.toLowerCase()) ?? account;
          const [collateral, list] = await Promise.all([
            rpc.read<bigint>(chAbi, core.clearingHouse, 'collateral', [account]),
            rpc.read<readonly Hex[]>(chAbi, core.clearingHouse, 'getAccountMarkets', [account]),
          ]);
          out[`accounts.${name}.collateral`] = String(collateral);
          const positions = await Promise.all(list.map((key) => rpc.read<ChainPosition>(chAbi, core.clearingHouse, 'getPosition', [account, key])));
          positions.forEach((pos, i) => {
            const id = marketIdOf.get(list[i]!.toLowerCase()) ?? list[i]!;
            const p = `accounts.${name}.positions.${id}.`;
            Object.assign(out, {
              [`${p}size`]: String(pos.size),
              [`${p}margin`]: String(pos.margin),
              [`${p}openNotional`]: String(pos.openNotional),
              [`${p}isolated`]: String(pos.isolated),
              [`${p}lastCumulativePremiumFraction`]: String(pos.lastCumulativePremiumFraction),
              [`${p}lastLossIndex`]: String(pos.lastLossIndex),
              [`${p}liquidityHistoryIndex`]: String(pos.liquidityHistoryIndex),
              [`${p}blockNumber`]: block(pos.blockNumber),
            });
          });
        }),
      );
    })(),
  );
  const usdc = A.MockUSDC!.abi;
  const holderAddress = new Map<string, Hex>();
  for (const [address, name] of ctx.nameOf) holderAddress.set(name, address as Hex);
  jobs.push(
    ...holders.map(async (holder) => {
      const address = holder === 'vault' ? core.vault : holderAddress.get(holder);
      out[`tokens.${holder}`] = address ? String(await rpc.read<bigint>(usdc, core.usdc, 'balanceOf', [address])) : 'no address';
    }),
  );
  jobs.push(
    (async () => {
      const [supply, fund, vaultUnits, treasury, uncovered, unfunded] = await Promise.all([
        rpc.read<bigint>(usdc, core.usdc, 'totalSupply'),
        rpc.read<bigint>(A.InsuranceFund!.abi, core.insuranceFund, 'balance'),
        rpc.read<bigint>(usdc, core.usdc, 'balanceOf', [core.vault]),
        rpc.read<bigint>(chAbi, core.clearingHouse, 'treasury'),
        rpc.read<bigint>(chAbi, core.clearingHouse, 'uncoveredBadDebt'),
        rpc.read<bigint>(chAbi, core.clearingHouse, 'unfundedCurveCost'),
      ]);
      Object.assign(out, {
        tokenSupply: String(supply),
        'insuranceFund.balance': String(fund),
        vault: String(vaultUnits * TOKEN_SCALE),
        treasury: String(treasury),
        uncoveredBadDebt: String(uncovered),
        unfundedCurveCost: String(unfunded),
      });
    })(),
  );
  await Promise.all(jobs);
  void ch;
  return out;
}
