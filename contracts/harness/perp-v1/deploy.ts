/**
 * Deploys Perp v1 2.2.0 as its own test suite wires it (tests/helper/deploy.ts): the
 * collateral and PERP tokens (ERC20Fake), one L2PriceFeedMock and AmmFake per market, the
 * InsuranceFundFake with its exchange (ExchangeWrapperMock at the profile's ratio), Minter and
 * InflationMonitorFake for the mint-and-swap backstop, and the ClearingHouseFake, all
 * parameterised from the model's world. The fakes keep their own clock (mock_setBlock…),
 * which the replay moves with the model's.
 */
import { type Abi, type Hex, encodeFunctionData, keccak256, stringToHex } from 'viem';
import type { World } from '../../../scenarios/script-runner.ts';
import { FEE_POOL } from '../../../sim/ledger.ts';
import { DEPLOYER, type Rpc, addressOf, marketKey } from '../chain.ts';
import type { PerpV1Artifacts, PerpV1ContractName } from './artifacts.ts';

/** The clock the fakes start on (their storage initialisers): an AMM's first reserve snapshot is taken at it. */
export const FAKE_CLOCK = { timestamp: 1444004400, block: 10001 } as const;

/** Collateral the exchange double holds to pay for the PERP the insurance fund sells it. */
const EXCHANGE_FLOAT_UNITS = 10n ** 30n;

export interface PerpV1Deployment {
  readonly usdc: Hex;
  readonly perp: Hex;
  readonly insuranceFund: Hex;
  readonly clearingHouse: Hex;
  readonly exchange: Hex;
  readonly lens: Hex;
  /** Market id → its AmmFake and price feed. */
  readonly markets: ReadonlyMap<string, { readonly amm: Hex; readonly priceFeed: Hex }>;
  /** The fee pool (toll recipient): an account, as the model's. */
  readonly feePool: Hex;
}

export class PerpV1Chain {
  constructor(
    readonly rpc: Rpc,
    readonly artifacts: PerpV1Artifacts,
  ) {}

  data(contract: PerpV1ContractName, functionName: string, args: readonly unknown[] = []): Hex {
    return encodeFunctionData({ abi: this.artifacts[contract].abi as Abi, functionName, args } as never);
  }

  /** Sends a call from the deployer (mined with the next block). */
  async send(to: Hex, contract: PerpV1ContractName, functionName: string, args: readonly unknown[] = []): Promise<void> {
    await this.rpc.send(DEPLOYER, to, this.data(contract, functionName, args));
  }
}

/** Deploys and configures everything; mines it into one block and checks every transaction succeeded. */
export async function deployPerpV1(chain: PerpV1Chain, world: World, names: readonly string[]): Promise<PerpV1Deployment> {
  const { rpc } = chain;
  const { ch } = world;
  const p = ch.params;
  if (p.liquidation.kind !== 'fixed-ratio') throw new Error('the perp-v1 twin needs fixed-ratio liquidation');
  await rpc.fund(DEPLOYER);
  const deploy = (name: PerpV1ContractName, args: unknown[] = []) => rpc.deploy(DEPLOYER, name, args);
  const send = chain.send.bind(chain);

  const usdc = await deploy('ERC20Fake');
  await send(usdc, 'ERC20Fake', 'initializeERC20Fake', [0n, 'USD Coin', 'USDC', 6]);
  const perp = await deploy('ERC20Fake');
  await send(perp, 'ERC20Fake', 'initializeERC20Fake', [0n, 'Perpetual', 'PERP', 18]);

  const insuranceFund = await deploy('InsuranceFundFake');
  await send(insuranceFund, 'InsuranceFundFake', 'initialize');
  const clearingHouse = await deploy('ClearingHouseFake');
  await send(clearingHouse, 'ClearingHouseFake', 'initialize', [p.initMarginRatio, p.maintenanceMarginRatio, p.liquidationFeeRatio, insuranceFund, '0x0000000000000000000000000000000000000000']);
  await send(clearingHouse, 'ClearingHouseFake', 'setPartialLiquidationRatio', [{ d: p.liquidation.partialLiquidationRatio }]);
  const feePool = addressOf(FEE_POOL);
  await send(clearingHouse, 'ClearingHouseFake', 'setTollPool', [feePool]);

  // The backstop: the fund sells newly minted PERP to its exchange at a fixed ratio.
  const exchange = await deploy('ExchangeWrapperMock');
  await send(exchange, 'ExchangeWrapperMock', 'mockSetSwapRatio', [{ d: p.backstopExchangeRatio }]);
  await send(usdc, 'ERC20Fake', 'mint', [exchange, EXCHANGE_FLOAT_UNITS]);
  const minter = await deploy('Minter');
  await send(minter, 'Minter', 'initialize', [perp]);
  const inflationMonitor = await deploy('InflationMonitorFake');
  await send(inflationMonitor, 'InflationMonitorFake', 'initialize', [minter]);
  await send(minter, 'Minter', 'setInsuranceFund', [insuranceFund]);
  await send(minter, 'Minter', 'setInflationMonitor', [inflationMonitor]);
  await send(perp, 'ERC20Fake', 'grantRole', [keccak256(stringToHex('MINTER_ROLE')), minter]);
  await send(insuranceFund, 'InsuranceFundFake', 'setExchange', [exchange]);
  await send(insuranceFund, 'InsuranceFundFake', 'setMinter', [minter]);
  await send(insuranceFund, 'InsuranceFundFake', 'setInflationMonitor', [inflationMonitor]);
  await send(insuranceFund, 'InsuranceFundFake', 'setBeneficiary', [clearingHouse]);

  const markets = new Map<string, { amm: Hex; priceFeed: Hex }>();
  for (const m of ch.markets.values()) {
    const priceFeed = await deploy('L2PriceFeedMock', [m.oracle.chainlink.latestRound() ? m.oracle.indexPrice() : 0n]);
    const f = m.params.funding;
    const amm = await deploy('AmmFake', [
      m.vamm.quoteReserve,
      m.vamm.baseReserve,
      m.vamm.tradeLimitRatio,
      BigInt(f.fundingPeriod),
      priceFeed,
      marketKey(m.id),
      usdc,
      m.vamm.fluctuationLimitRatio,
      m.params.fees.tollRatio,
      m.params.fees.spreadRatio,
    ]);
    await send(amm, 'AmmFake', 'setCounterParty', [clearingHouse]);
    await send(amm, 'AmmFake', 'setCap', [{ d: m.vamm.maxHoldingBaseAsset }, { d: m.vamm.openInterestNotionalCap }]);
    if (f.markTwapInterval !== 3600) await send(amm, 'AmmFake', 'setSpotPriceTwapInterval', [BigInt(f.markTwapInterval)]);
    await send(amm, 'AmmFake', 'setOpen', [true]);
    await send(insuranceFund, 'InsuranceFundFake', 'addAmm', [amm]);
    markets.set(m.id, { amm, priceFeed });
  }
  const lens = await deploy('PerpV1Lens');

  // Money: the fund's seed and the wallets, then every name approves the clearing house.
  const seeded = ch.ledger.balanceOf('insurance-fund');
  if (seeded > 0n) await send(usdc, 'ERC20Fake', 'mint', [insuranceFund, seeded]);
  for (const [holder, units] of ch.ledger.balances) {
    if (holder === 'insurance-fund' || holder === 'vault' || units === 0n) continue;
    await send(usdc, 'ERC20Fake', 'mint', [addressOf(holder), units]);
  }
  for (const n of names) {
    await rpc.fund(addressOf(n));
    await rpc.send(addressOf(n), usdc, chain.data('ERC20Fake', 'approve', [clearingHouse, 2n ** 255n]));
  }
  if (ch.whitelist !== null) await send(clearingHouse, 'ClearingHouseFake', 'setWhitelist', [addressOf(ch.whitelist)]);

  const mined = await rpc.mine();
  const receipts = await rpc.receipts(mined.transactions);
  const failed = receipts.findIndex((r) => r.status !== '0x1');
  if (failed >= 0) throw new Error(`Perp v1 deployment transaction ${failed} of ${receipts.length} failed`);
  return { usdc, perp, insuranceFund, clearingHouse, exchange, lens, markets, feePool };
}

