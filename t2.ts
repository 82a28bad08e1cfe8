import { loadCandles } from './data/candle-loader.ts';
import { forEachRecord } from './data/csv-records.ts';
import { decimalToWei } from './data/wei-text.ts';
const f = '/work/shared/data/eth/normalized/eth_usdt_binance_spot_5m_2022-01-01_2023-09-27.csv';
for (let k = 0; k < 3; k++) {
  let t0 = performance.now(); let n = 0;
  await forEachRecord(f, () => { n++; });
  const a = performance.now() - t0;
  t0 = performance.now(); let s = 0n;
  await forEachRecord(f, (r, line) => { if (line > 1) for (let i = 1; i < 6; i++) s += decimalToWei(r[i]!) as bigint; });
  const b = performance.now() - t0;
  t0 = performance.now();
  await loadCandles(f, { gapPolicy: 'skip' });
  console.log('parse', a.toFixed(0), 'parse+wei', b.toFixed(0), 'load', (performance.now() - t0).toFixed(0));
}
