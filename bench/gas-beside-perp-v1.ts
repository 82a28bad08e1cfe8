/**
 * Gas per operation of the `default` design beside Perp v1's: one scenario (open, increase,
 * close, a partial and a full liquidation, a funding settlement) written for each design and
 * replayed on its twin — the project's contracts, and Perp v1 2.2.0's own bytecode
 * (contracts/harness/perp-v1/) — with zero divergence required, each labelled step's gas read
 * from its receipt. `npx tsx bench/gas-beside-perp-v1.ts`; `npm run bench` prints it too.
 *
 * The designs differ where the comparison has to: the default design is cross-margined (a
 * deposit first) and takes its fee from the collateral, Perp v1 takes margin and toll from the
 * wallet; the default design values positions on the 15-minute time-weighted curve, Perp v1 walks
 * the snapshots; Perp v1 2.2.0 liquidates a fixed quarter, the default design the smallest part
 * that restores the margin. The trades, prices and timing are the same.
 */
import { replayInputFromJson } from '../contracts/harness/input.ts';
import { replayPerpV1 } from '../contracts/harness/perp-v1/replay.ts';
import { type ReplayInput, type ReplayReport, replay } from '../contracts/harness/replay.ts';

export const GAS_OPERATIONS = ['open', 'increase', 'close', 'partial liquidation', 'full liquidation', 'settleFunding'] as const;
export type GasOperation = (typeof GAS_OPERATIONS)[number];

interface LabelledInput {
  readonly input: ReplayInput;
  /** Step index → the operation it measures. */
  readonly labels: ReadonlyMap<number, GasOperation>;
}

const market = (design: 'default' | 'perp-v1') => ({
  id: 'ETH',
  quoteReserve: '2000000',
  baseReserve: '1000',
  indexPrice: '2000',
  fluctuationLimitRatio: '0',
  ...(design === 'perp-v1' ? { funding: { fundingPeriod: 3600, markTwapInterval: 3600, indexTwapInterval: 3600, convergencePeriod: 86400, fundingCapRatio: '0' } } : {}),
});

/** The scenario for one design: the same trades, prices and timing; the labelled steps are measured. */
export function gasScenario(design: 'default' | 'perp-v1'): LabelledInput {
  const traders = ['alice', 'bob', 'dave', 'whale'];
  const steps: Array<Record<string, unknown>> = [];
  const labels = new Map<number, GasOperation>();
  const step = (s: Record<string, unknown>, label?: GasOperation) => {
    if (label) labels.set(steps.length, label);
    steps.push(s);
  };
  const nextBlock = (seconds = 15) => step({ advance: { seconds, blocks: 1 } });
  const open = (trader: string, side: 'long' | 'short', margin: string, leverage: string, label?: GasOperation) =>
    step({ openPosition: { trader, market: 'ETH', side, margin, leverage } }, label);
  const index = (price: string) => step({ setOraclePrice: { market: 'ETH', price } });

  step({ advance: { seconds: 900, blocks: 60 } });
  // Cross margin: each account holds its position's margin and fees only, as Perp v1's isolated positions do.
  const deposits: Record<string, string> = { alice: '2100', bob: '2020', dave: '1010', whale: '40000' };
  if (design === 'default') for (const t of traders) step({ deposit: { trader: t, amount: deposits[t] } });
  nextBlock();
  open('alice', 'long', '1000', '5', 'open');
  nextBlock();
  open('alice', 'long', '1000', '5', 'increase');
  nextBlock();
  step({ closePosition: { trader: 'alice', market: 'ETH' } }, 'close');
  nextBlock();
  open('bob', 'long', '2000', '8');
  open('dave', 'long', '1000', '8');
  // The whale sells the mark down and the index follows; fifteen minutes later the TWAP has too,
  // and `trader` is liquidated.
  const pushDownAndLiquidate = (whaleMargin: string, price: string, trader: string, label: GasOperation) => {
    nextBlock();
    open('whale', 'short', whaleMargin, '6');
    index(price);
    step({ advance: { seconds: 900, blocks: 60 } });
    index(price);
    step({ liquidate: { liquidator: 'carol', trader, market: 'ETH' } }, label);
  };
  // About 7 % down: bob's margin ratio sits between the liquidation fee and maintenance.
  pushDownAndLiquidate('15000', '1870', 'bob', 'partial liquidation');
  // Another 4 %: dave is under water and closed whole, with bad debt.
  pushDownAndLiquidate('10000', '1790', 'dave', 'full liquidation');
  step({ advance: { toNextFundingTime: 'ETH', blocks: 1 } });
  index('1790');
  step({ settleFunding: { market: 'ETH' } }, 'settleFunding');

  const json = {
    name: `gas-${design}`,
    description: 'gas per operation: open, increase, close, a partial and a full liquidation, a funding settlement',
    profile: design,
    // Perp v1's fakes start at 1444004400 and the twin shifts time by whole hours.
    clock: { timestamp: 1_444_004_400 + 100 * 3600, block: 14_770_000, secondsPerBlock: 12 },
    markets: [market(design)],
    insuranceFund: '100000',
    wallets: Object.fromEntries([...traders.map((t) => [t, t === 'whale' ? '60000' : '10000']), ['carol', '1']]),
    ...(design === 'perp-v1' ? { backstopLiquidityProviders: ['carol'] } : {}),
    steps,
  };
  return { input: replayInputFromJson(json, `bench/gas-beside-perp-v1.ts (${design})`), labels };
}

export interface GasRow {
  readonly operation: GasOperation;
  readonly defaultGas: number | null;
  readonly perpV1Gas: number | null;
}

export interface GasComparison {
  readonly rows: GasRow[];
  readonly divergences: { readonly default: number; readonly perpV1: number };
}

function byLabel(report: ReplayReport, labels: ReadonlyMap<number, GasOperation>): Map<GasOperation, number> {
  const out = new Map<GasOperation, number>();
  for (const g of report.stepGas ?? []) {
    const label = labels.get(g.step);
    if (label && !g.reverted) out.set(label, (out.get(label) ?? 0) + g.gas);
  }
  return out;
}

/** Replays the scenario on both twins and pairs each operation's gas. */
export async function gasBesidePerpV1(): Promise<GasComparison> {
  const d = gasScenario('default');
  const v = gasScenario('perp-v1');
  const dr = await replay(d.input, { views: false, stepGas: true });
  const vr = await replayPerpV1(v.input, { views: false, stepGas: true });
  const dg = byLabel(dr, d.labels);
  const vg = byLabel(vr, v.labels);
  return {
    rows: GAS_OPERATIONS.map((operation) => ({ operation, defaultGas: dg.get(operation) ?? null, perpV1Gas: vg.get(operation) ?? null })),
    divergences: { default: dr.divergences.length, perpV1: vr.divergences.length },
  };
}

export function formatGasComparison(c: GasComparison): string {
  const n = (x: number | null) => (x === null ? '—' : x.toLocaleString('en-US'));
  const lines = [`${'operation'.padEnd(22)} ${'default'.padStart(10)} ${'Perp v1 2.2.0'.padStart(14)}  default / Perp v1`];
  for (const r of c.rows) {
    const ratio = r.defaultGas !== null && r.perpV1Gas ? `${(r.defaultGas / r.perpV1Gas).toFixed(2)}×` : '';
    lines.push(`${r.operation.padEnd(22)} ${n(r.defaultGas).padStart(10)} ${n(r.perpV1Gas).padStart(14)}  ${ratio}`);
  }
  lines.push(`divergences: default ${c.divergences.default}, perp-v1 ${c.divergences.perpV1}`);
  return `${lines.join('\n')}\n`;
}

if (process.argv[1]?.endsWith('gas-beside-perp-v1.ts')) {
  const c = await gasBesidePerpV1();
  process.stdout.write(formatGasComparison(c));
  if (c.divergences.default + c.divergences.perpV1 > 0) process.exitCode = 1;
}
