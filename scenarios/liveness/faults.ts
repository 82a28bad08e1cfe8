/**
 * Fault injection for the liveness checks: each fault is a family of scripted scenarios on the
 * `default` design, drawn from a seed — a population (a 9–10x victim, noise traders, a whale whose
 * short crashes the mark), then the fault: both feeds stale, the feed reverting or answering ≤ 0,
 * sequencer downtime, a close over the fluctuation band, an illiquid or lossy yield source, a
 * shutdown with bad debt, floods of dust accounts or dust positions. Every scenario is an ordinary
 * script: `vamm script` runs it on the model, the liveness checks on any version of the contracts.
 */
import { Rng, seedFrom } from '../../data/prng.ts';
import { toWei } from '../../sim/math/units.ts';
import type { Action, Script, Step } from '../script-schema.ts';

export const FAULTS = [
  'oracle-stale',
  'oracle-reverts',
  'oracle-bad-answer',
  'sequencer-downtime',
  'over-band-close',
  'illiquid-yield-source',
  'yield-loss',
  'illiquid-breaker',
  'shutdown-bad-debt',
  'dust-accounts',
  'dust-positions',
] as const;
export type FaultName = (typeof FAULTS)[number];

export const FAULT_DESCRIPTIONS: Record<FaultName, string> = {
  'oracle-stale': 'both feeds stale after a crash (no Chainlink round, no fast price), the last answer far above the mark',
  'oracle-reverts': 'the Chainlink feed reverts (latestRoundData) after a crash',
  'oracle-bad-answer': 'the Chainlink feed answers 0 or a negative price after a crash',
  'sequencer-downtime': 'the sequencer stops right after a crash, before any liquidation, and restarts hours later (one block) with both feeds stale',
  'over-band-close': 'a close takes the mark beyond the per-block fluctuation band just before a liquidation in the same block',
  'illiquid-yield-source': 'the vault holds its tokens in a yield source that lets nothing leave when a liquidation must pay its liquidator',
  'yield-loss': 'the yield source loses part of the vault’s principal; anyone trips the breaker',
  'illiquid-breaker': 'the guardian trips the breaker while the yield source lets only part of the shares be redeemed',
  'shutdown-bad-debt': 'the market shuts down after a crash with a cross account underwater at the settlement price',
  'dust-accounts': 'thousands of 1e-6 USDC accounts, then a k migration',
  'dust-positions': 'hundreds of 1e-6 USDC positions, then a k migration',
};

/** How many dust accounts or positions a flood holds. */
export interface FloodSizes {
  readonly dustAccounts: number;
  readonly dustPositions: number;
}

/** Big enough to break a 15M-gas bound on the contracts as filed (about 12.6k gas per account visited). */
export const DEFAULT_FLOOD: FloodSizes = { dustAccounts: 1500, dustPositions: 400 };

const START = { timestamp: 1_700_000_000, block: 5000, secondsPerBlock: 12 };
const w = (v: number | string) => toWei(String(v));

/** One scenario of a fault's family, drawn from `seed`. */
export function faultScenario(fault: FaultName, seed: number, flood: FloodSizes = DEFAULT_FLOOD): Script {
  const rng = new Rng(seedFrom(`${fault}:${seed}`));
  const pick = (lo: number, hi: number) => lo + rng.int(hi - lo + 1);
  const steps: Action[] = [];
  const add = (action: Action) => steps.push(action);
  const wallets: Record<string, bigint> = { keeper: w(1) };
  let deposited = 0n;
  const deposit = (trader: string, amount: number) => {
    wallets[trader] = w(amount);
    deposited += w(amount);
    add({ name: 'deposit', args: { trader, amount: w(amount) } });
  };

  // The population, in the market's first block (a 10x open needs the curve's own first TWAP).
  deposit('victim', 1500);
  deposit('whale', 400_000);
  add({ name: 'openPosition', args: { trader: 'victim', market: 'ETH', side: 'long', margin: w(1000), leverage: w(pick(9, 10)) } });
  const noise = pick(0, 2);
  for (let i = 1; i <= noise; i++) {
    deposit(`trader-${i}`, 20_000);
    add({ name: 'openPosition', args: { trader: `trader-${i}`, market: 'ETH', side: rng.next() < 0.5 ? 'long' : 'short', margin: w(pick(5, 20) * 100), leverage: w(pick(1, 3)) } });
  }
  if (fault === 'over-band-close') {
    deposit('closer', 30_000);
    add({ name: 'openPosition', args: { trader: 'closer', market: 'ETH', side: 'long', margin: w(10_000), leverage: w(2) } });
  }
  // What the vault holds: every deposit and the fund's seed (fees stay inside it as claims).
  const idle = () => deposited + w(INSURANCE_FUND);
  const advance = (seconds: number, blocks?: number) => add({ name: 'advance', args: { seconds, ...(blocks !== undefined ? { blocks } : {}) } });
  const crash = (margin: number) => add({ name: 'openPosition', args: { trader: 'whale', market: 'ETH', side: 'short', margin: w(margin), leverage: w(5) } });
  const liquidate = () => add({ name: 'liquidate', args: { liquidator: 'keeper', trader: 'victim', market: 'ETH' } });

  switch (fault) {
    case 'oracle-stale':
    case 'oracle-reverts':
    case 'oracle-bad-answer': {
      add({ name: 'setOraclePrice', args: { market: 'ETH', price: w(pick(2150, 2400)) } });
      advance(12);
      crash(pick(6000, 9000));
      if (fault === 'oracle-stale') advance(3900 + pick(100, 3000));
      else {
        advance(900 + pick(0, 600));
        add({ name: 'setOracleFault', args: { market: 'ETH', fault: fault === 'oracle-reverts' ? 'revert' : rng.next() < 0.5 ? 'zero' : 'negative' } });
      }
      liquidate();
      break;
    }
    case 'sequencer-downtime':
      add({ name: 'setOraclePrice', args: { market: 'ETH', price: w(pick(2150, 2400)) } });
      advance(12);
      crash(pick(6000, 9000));
      // The sequencer stops before any liquidator acts; it restarts hours later with both feeds stale.
      advance(pick(4000, 20_000), 1);
      liquidate();
      break;
    case 'over-band-close':
      advance(12);
      crash(pick(6000, 8000));
      advance(900 + pick(0, 600));
      add({ name: 'setOraclePrice', args: { market: 'ETH', price: w(1500) } });
      add({ name: 'setMarketParams', args: { market: 'ETH', fluctuationLimitRatio: w(pick(3, 6) / 100) } });
      add({ name: 'setClearingHouseParams', args: { partialCloseRatio: w(1) } });
      add({ name: 'closePosition', args: { trader: 'closer', market: 'ETH' } });
      liquidate();
      break;
    case 'illiquid-yield-source':
      advance(12);
      crash(pick(6000, 9000));
      advance(900 + pick(0, 600));
      add({ name: 'setOraclePrice', args: { market: 'ETH', price: w(1500) } });
      add({ name: 'setYieldSource', args: { maxLossRatio: w('0.05') } });
      add({ name: 'depositToYield', args: { amount: idle() - w(1) } });
      add({ name: 'setYieldSourceLiquidity', args: { amount: 0n } });
      liquidate();
      break;
    case 'yield-loss':
    case 'illiquid-breaker': {
      const put = (idle() * BigInt(pick(40, 90))) / 100n / 10n ** 18n;
      add({ name: 'setYieldSource', args: { maxLossRatio: w('0.05') } });
      add({ name: 'depositToYield', args: { amount: w(put.toString()) } });
      advance(12);
      if (fault === 'yield-loss') {
        add({ name: 'yieldSourceLoss', args: { amount: w(((put * BigInt(pick(6, 60))) / 100n).toString()) } });
        add({ name: 'tripCircuitBreaker', args: { by: 'keeper' } });
      } else {
        add({ name: 'setYieldSourceLiquidity', args: { amount: w(((put * BigInt(pick(10, 80))) / 100n).toString()) } });
        add({ name: 'tripCircuitBreaker', args: { by: 'guardian' } });
      }
      add({ name: 'closePosition', args: { trader: 'victim', market: 'ETH' } });
      break;
    }
    case 'shutdown-bad-debt':
      advance(12);
      crash(pick(9000, 12_000));
      advance(12);
      add({ name: 'shutdown', args: { market: 'ETH' } });
      add({ name: 'settlePosition', args: { trader: 'victim', market: 'ETH' } });
      add({ name: 'settlePosition', args: { trader: 'whale', market: 'ETH' } });
      break;
    case 'dust-accounts':
    case 'dust-positions':
      advance(12);
      add({
        name: 'dustAccounts',
        args: fault === 'dust-accounts' ? { count: flood.dustAccounts, amount: w('0.000001') } : { count: flood.dustPositions, amount: w('0.000001'), open: 'ETH' },
      });
      advance(12);
      add({ name: 'migrateLiquidity', args: { market: 'ETH', multiplier: w([0.5, 1.5, 2][pick(0, 2)]!) } });
      break;
  }
  return {
    name: `liveness-${fault}-${seed}`,
    description: `${FAULT_DESCRIPTIONS[fault]} (seed ${seed})`,
    profile: 'default',
    clock: START,
    markets: [{ id: 'ETH', quoteReserve: w(200_000), baseReserve: w(100), indexPrice: w(2000) }],
    insuranceFund: w(INSURANCE_FUND),
    wallets,
    steps: steps.map((action, index): Step => ({ index, action })),
  };
}

const INSURANCE_FUND = 20_000;

/** The same script with some steps left out (the shrinker's move); indices renumbered. */
export function withoutSteps(script: Script, drop: ReadonlySet<number>): Script {
  return { ...script, steps: script.steps.filter((_, i) => !drop.has(i)).map((s, index) => ({ ...s, index })) };
}

/** The flood's size in a dust scenario (0 when it has none), and the same scenario with another size. */
export function floodSize(script: Script): number {
  const step = script.steps.find((s) => s.action.name === 'dustAccounts');
  return step?.action.name === 'dustAccounts' ? step.action.args.count : 0;
}

export function withFloodSize(script: Script, count: number): Script {
  return {
    ...script,
    steps: script.steps.map((s) => (s.action.name === 'dustAccounts' ? { ...s, action: { ...s.action, args: { ...s.action.args, count } } } : s)),
  };
}
