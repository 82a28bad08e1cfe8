/**
 * Fits how BTC/USD moves with ETH/USD (data/pair-fit.ts) and writes only the fitted numbers, with
 * their provenance, to data/fits/btc-usd-eth-usd.json: the second market of the insurance study's
 * contagion runs is drawn from them (data/correlated-path.ts).
 *
 *   npx tsx scripts/fit-btc-eth.ts <BTC_USD_Bitfinex_Historical_Data.csv> [--out file]
 *
 * BTC: jay-darvas/btcusd @ ac334ad1962205a87016dbc8798b282473f58366, BTC_USD_Bitfinex_Historical_Data.csv
 * (an Investing.com daily export of Bitfinex BTC/USD). ETH: the Gemini ETH/USD hourly file in
 * ../shared/data/eth (the same repository, commit 4cbe0c1), each UTC day's 23:00 close. The price
 * files are not copied into this repository.
 */
import { writeFileSync } from 'node:fs';
import { loadCandles } from '../data/candle-loader.ts';
import { resolveDataFile } from '../data/catalog.ts';
import { dailyClosesFromHourly, fitPair, readDailyCloses } from '../data/pair-fit.ts';
import { findDataDir } from '../data/shared-dir.ts';
import { weiToFloat } from '../data/wei-text.ts';

const FROM = '2020-02-06';
const TO = '2023-10-16';
const ETH_FILE = 'eth_usd_gemini_1h_2018-05-25_2024-02-25';

const args = process.argv.slice(2);
const btcFile = args[0];
if (!btcFile) {
  console.error('usage: tsx scripts/fit-btc-eth.ts <BTC_USD_Bitfinex_Historical_Data.csv> [--out file]');
  process.exit(2);
}
const out = args.includes('--out') ? (args[args.indexOf('--out') + 1] as string) : 'data/fits/btc-usd-eth-usd.json';
const day = (iso: string) => Date.parse(`${iso}T00:00:00Z`) / 86400_000;

const eth = await loadCandles(resolveDataFile(ETH_FILE, () => findDataDir()), { gapPolicy: 'skip' });
const ethDaily = dailyClosesFromHourly(eth.time, eth.close.map(weiToFloat));
const btcDaily = readDailyCloses(btcFile);
// The fit's window starts a day before FROM: FROM's return needs the day before it.
const fit = fitPair(ethDaily, btcDaily, { from: day(FROM) - 1, to: day(TO), threshold: 0.05, seed: 2024, resamples: 1000 });
const round = (x: unknown): unknown =>
  typeof x === 'number' ? Number(x.toPrecision(6)) : Array.isArray(x) ? x.map(round) : x && typeof x === 'object' ? Object.fromEntries(Object.entries(x).map(([k, v]) => [k, round(v)])) : x;

const record = {
  asset: 'BTC/USD',
  against: 'ETH/USD',
  method:
    'Daily log returns on UTC days both series have; OLS of the BTC return on the ETH return (with intercept, which is dropped when drawing: no drift) in three regimes told apart by ETH’s own return that day (down: ≤ ln 0.95, up: ≥ ln 1.05, calm: between); beta, residual standard deviation per day and the correlation per regime, each with a 95 % percentile bootstrap interval over days (1,000 resamples, seed 2024). Correlation is also checked at lags −1/0/+1 days: lag 0 must be the peak (the days line up).',
  sources: {
    btc: {
      repository: 'jay-darvas/btcusd',
      commit: 'ac334ad1962205a87016dbc8798b282473f58366',
      path: 'BTC_USD_Bitfinex_Historical_Data.csv',
      what: 'Bitfinex BTC/USD daily candles as exported by Investing.com (Date, Price = close, Open, High, Low, Vol., Change %), newest first; the Price column is used',
      note: 'read through the public-code index page by page; every close in the window was checked against the file’s own Change % column (one row, 2023-03-25, states its change against that day’s open rather than the previous close: a quirk of the export, the closes are used as given)',
    },
    eth: {
      repository: 'jay-darvas/btcusd',
      commit: '4cbe0c19990d61a72344ee4c0ed361f44f7962e8',
      path: 'Gemini_ETHUSD_1h.csv',
      shared: `../shared/data/eth/normalized/${ETH_FILE}.csv`,
      what: 'Gemini ETH/USD hourly candles; the close of each UTC day’s 23:00 candle is that day’s close',
    },
  },
  window: { from: fit.from, to: fit.to, returns: fit.days, why: 'the rows of the BTC file from 2020-02-06 on (the file starts earlier; in 2018 Bitfinex’s USD quote carried a premium over other venues). The window holds four of the study’s six crash windows: March 2020, May 2021, May–June 2022 and November 2022' },
  fittedAt: new Date().toISOString().slice(0, 10),
  fit: round(fit),
};
writeFileSync(out, `${JSON.stringify(record, null, 2)}\n`);
console.log(`${out}: ${fit.days} daily returns ${fit.from} → ${fit.to}; correlation ${fit.all.correlation.toFixed(3)} (lag −1 ${fit.lagCorrelation['-1'].toFixed(3)}, +1 ${fit.lagCorrelation['1'].toFixed(3)})`);
for (const [name, r] of Object.entries(fit.regimes)) console.log(`  ${name}: ${r.days} days, beta ${r.beta.toFixed(3)} [${r.betaInterval.map((v) => v.toFixed(3)).join(', ')}], residual ${(r.residualVol * 100).toFixed(2)} %/day, correlation ${r.correlation.toFixed(3)} [${r.correlationInterval.map((v) => v.toFixed(3)).join(', ')}]`);
