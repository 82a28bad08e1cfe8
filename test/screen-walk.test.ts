/**
 * The cascade screen's walk (scenarios/studies/screen-walk.ts) is the path the exact run's fast
 * feed walks: for generated paths of the bundled insurance study, the walk's points (price and
 * time) are the fast-feed ticks of the candles the run builds (refinePath on the same donor
 * stream, adaptive and 5-minute; pathToCandles without shapes), a repeated price left out.
 */
import { describe, expect, it } from 'vitest';
import { toPricePath } from '../data/generators/paths.ts';
import { intrabarLibrary, refinePath } from '../data/intrabar.ts';
import type { CandleSeries } from '../data/candle-series.ts';
import { pathToCandles } from '../data/path-candles.ts';
import { forPath } from '../data/prng.ts';
import { findDataDir } from '../data/shared-dir.ts';
import { parseTimeArg } from '../data/time-arg.ts';
import { weiToFloat } from '../data/wei-text.ts';
import { fittedGenerator, intrabarStream } from '../scenarios/price-source.ts';
import { DEFAULT_CALM_RANGE } from '../scenarios/run-schema.ts';
import type { IndexPoints } from '../scenarios/studies/cascade-screen.ts';
import type { InsuranceConfig } from '../scenarios/studies/insurance.ts';
import { STUDIES, loadStudyConfig } from '../scenarios/studies/registry.ts';
import { screenMarket } from '../scenarios/studies/screen-market.ts';
import { indexWalk } from '../scenarios/studies/screen-walk.ts';
import { fastTicks } from '../sim/engine/price-timeline.ts';
import { toWei } from '../sim/math/units.ts';

const study = STUDIES.insurance;
const c = loadStudyConfig(study, study.defaultConfig) as InsuranceConfig;
const start = parseTimeArg(c.paths.startTime) as number;

/** The fast feed's ticks of a run's candles, from the start, each price once (as the walk keeps them). */
function feed(candles: CandleSeries, startPrice: number): { time: number[]; price: number[] } {
  const out = { time: [] as number[], price: [] as number[] };
  let last = startPrice;
  for (const t of fastTicks(candles)) {
    const p = weiToFloat(t.price);
    if (p !== last) {
      out.time.push(t.time - start);
      out.price.push(p);
    }
    last = p;
  }
  return out;
}

const plain = (w: IndexPoints) => ({ time: Array.from(w.time), price: Array.from(w.price) });

describe('cascade screen walk', () => {
  it('walks the fast feed’s ticks of the exact run’s candles: the same donors, prices and times', async () => {
    const history = { ...c.paths.history, from: parseTimeArg(c.paths.history.from) as number, to: parseTimeArg(c.paths.history.to) as number };
    const lib = await intrabarLibrary(findDataDir());
    const startPrice = screenMarket(c).startPrice;
    let fine = 0;
    for (const g of ['bootstrap', 'garch-fhs']) {
      const gen = await fittedGenerator({ generator: g, history } as never, () => findDataDir());
      const walks = { adaptive: indexWalk(startPrice, { library: lib, calmRange: DEFAULT_CALM_RANGE }), '5m': indexWalk(startPrice, { library: lib, calmRange: 0 }), none: indexWalk(startPrice, null) };
      for (const i of [0, 1, 2, 835]) {
        const returns = gen.generate(forPath(c.seed, i), Math.ceil(c.paths.horizon / gen.resolution));
        const path = toPricePath(toWei(c.paths.startPrice), returns, gen.resolution, start);
        for (const [mode, walk] of Object.entries(walks)) {
          const candles = mode === 'none' ? pathToCandles(path, 'test') : refinePath(path, lib, intrabarStream(c.seed, i), 'test', { calmRange: mode === 'adaptive' ? DEFAULT_CALM_RANGE : 0 });
          const w = plain(walk(returns, mode === 'none' ? null : intrabarStream(c.seed, i)));
          expect(w, `${g} path ${i} ${mode}`).toEqual(feed(candles, startPrice));
          if (mode === '5m') fine += w.price.length;
        }
      }
    }
    // Not vacuous: the 5-minute walks hold thousands of points a path.
    expect(fine).toBeGreaterThan(8 * 2000);
  });

  it('refuses to walk shapes without the path’s donor stream', async () => {
    const walk = indexWalk(2000, { library: await intrabarLibrary(findDataDir()), calmRange: 0 });
    expect(() => walk(new Float64Array(3), null)).toThrow(/donor stream/);
  });
});
