import { readFileSync } from 'node:fs';
import { loadRounds } from './data/round-loader.ts';
import { roundsCsv } from './data/csv-writers.ts';
const f = '/work/shared/data/eth/chainlink/chainlink_eth_usd_mainnet_rounds_2023-04-05_2024-01-29.csv';
const t0 = performance.now();
const r = await loadRounds(f);
console.log(r.rounds.length, performance.now() - t0);
console.log(roundsCsv(r.rounds) === readFileSync(f, 'utf8'));
