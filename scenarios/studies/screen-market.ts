/**
 * The cascade screen for an insurance study: its market (the stated book, depth and fee share from
 * the population, the arbitrageurs' room from the environment's agents, the contracts' 15-minute
 * TWAP in the liquidation check) and the index it walks (the study's intrabar shapes, as its runs
 * draw them). The room is what the
 * calibrated population can hold between them: each arbitrageur's capital (the same stratified
 * log-normal quantiles the engine gives them) times the centre of its inventory limit (a multiple
 * of capital), capped by the buying power its leverage gives at the engine's 0.8 safety; the
 * searcher's capital times its own limit beside them. A population whose least edge is 100 % or
 * more (the study's "arbitrage withdrawn" stress) holds nothing.
 */
import { weiToFloat } from '../../data/wei-text.ts';
import { toWei } from '../../sim/math/units.ts';
import { centre, stratifiedLogNormal, type Distribution } from '../../agents/distribution.ts';
import { populationBook } from '../population.ts';
import type { IntrabarLibrary } from '../../data/intrabar.ts';
import { PNL_TWAP_INTERVAL } from '../../sim/vamm.ts';
import { intrabarStream } from '../price-source.ts';
import { DEFAULT_CALM_RANGE } from '../run-schema.ts';
import { type CascadeScreenMarket, type CascadeScreenResult, cascadeScreen } from './cascade-screen.ts';
import type { InsuranceConfig } from './insurance.ts';
import { indexWalk } from './screen-walk.ts';

/** How the screen is run: a scale on the arbitrageurs' room (1: as derived) and their refill after each liquidation. */
export interface ScreenSettings {
  readonly inventoryScale: number;
  readonly response: number;
}

export const DEFAULT_SCREEN: ScreenSettings = { inventoryScale: 1, response: 0.5 };

interface AgentLike {
  readonly kind?: string;
  readonly count?: number;
  readonly capital?: string | { readonly median: string; readonly sigma: number };
  readonly params?: Record<string, unknown>;
}

const ARBITRAGEUR = { maxInventory: { min: 1, max: 4 } as Distribution, leverage: 5, minEdge: { min: 0.0005, max: 0.003 } as Distribution };
const SEARCHER = { maxInventory: 1, leverage: 5, minEdge: 0.0005 };

/** The notional the environment's arbitrageurs and searcher can hold between them (USD). */
export function arbitrageRoom(agents: readonly AgentLike[]): number {
  let room = 0;
  for (const a of agents) {
    if (a.kind !== 'arbitrageur' && a.kind !== 'searcher') continue;
    const d = a.kind === 'arbitrageur' ? ARBITRAGEUR : SEARCHER;
    const params = a.params ?? {};
    const minEdge = centre((params.minEdge as Distribution | undefined) ?? d.minEdge);
    if (minEdge >= 1) continue;
    const limit = centre((params.maxInventory as Distribution | undefined) ?? d.maxInventory);
    const leverage = (params.leverage as number | undefined) ?? d.leverage;
    const count = a.count ?? 1;
    for (let i = 1; i <= count; i++) {
      const capital = typeof a.capital === 'object' ? stratifiedLogNormal(Number(a.capital.median), a.capital.sigma, i, count) : Number(a.capital ?? 0);
      room += Math.min(limit, 0.8 * leverage) * capital;
    }
  }
  return room;
}

/** The screen's market for a study's stated population and environment. */
export function screenMarket(c: InsuranceConfig, s: ScreenSettings = DEFAULT_SCREEN): CascadeScreenMarket {
  const feeShare = c.population.feeShare;
  const agents = ((c.environment as { agents?: AgentLike[] }).agents ?? []) as AgentLike[];
  return {
    depth: Number(c.population.depth),
    startPrice: weiToFloat(toWei(c.paths.startPrice)),
    book: populationBook(c.population),
    feeShare,
    inventory: arbitrageRoom(agents) * s.inventoryScale,
    response: s.response,
    twapWindow: PNL_TWAP_INTERVAL,
  };
}

/**
 * The screen of candidate path `path` of a study (drawn under the study's seed): the index its
 * exact run's fast feed walks, through the 5-minute shapes that run draws (`library`: the intrabar
 * library, null when the study's paths have none), on the study's market.
 */
export function studyScreen(c: InsuranceConfig, library: IntrabarLibrary | null, s: ScreenSettings = DEFAULT_SCREEN): (returns: Float64Array, path: number) => CascadeScreenResult {
  const shapes = c.paths.intrabar !== 'none';
  if (shapes && library === null) throw new Error(`${c.name}: the cascade screen walks the paths' intrabar shapes (paths.intrabar ${c.paths.intrabar}): it needs the intrabar library`);
  const market = screenMarket(c, s);
  const walk = indexWalk(market.startPrice, shapes ? { library: library as IntrabarLibrary, calmRange: c.paths.intrabar === 'adaptive' ? DEFAULT_CALM_RANGE : 0 } : null);
  const screen = cascadeScreen(market);
  return (returns, path) => screen(walk(returns, shapes ? intrabarStream(c.seed, path) : null));
}
