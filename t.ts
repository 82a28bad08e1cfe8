import { readdirSync } from 'node:fs';
import { loadCandles } from './data/candle-loader.ts';
import { describeGaps } from './data/gaps.ts';
for (const d of ['normalized', 'windows']) {
  const dir = `/work/shared/data/eth/${d}`;
  for (const f of readdirSync(dir)) {
    const t0 = performance.now();
    try {
      const s = await loadCandles(`${dir}/${f}`, { gapPolicy: 'skip' });
      const ms = performance.now() - t0;
      console.log(f, s.time.length, s.resolution, describeGaps(s.gaps!), `${ms.toFixed(0)} ms`, `${(ms / s.time.length * 1e5).toFixed(0)} ms/100k`);
    } catch (e) { console.log(f, 'ERROR', (e as Error).message.slice(0, 500)); }
  }
}
