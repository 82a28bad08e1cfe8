#!/usr/bin/env node
// `npm test`: the vitest suites (arguments are passed to vitest), then the forge suites
// (contracts/test: unit, fuzz, invariant). forge's JSON report goes to $FORGE_JSON when set
// (CI's summary counts its tests), and one line per forge test is printed.
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const vitest = spawnSync(process.execPath, [resolve(root, 'node_modules/vitest/vitest.mjs'), 'run', ...process.argv.slice(2)], { cwd: root, stdio: 'inherit' });

console.log('\n== forge test (contracts/test)');
const forge = spawnSync(process.execPath, [resolve(root, 'contracts/scripts/forge.mjs'), 'test', '--json'], {
  cwd: root,
  encoding: 'utf8',
  maxBuffer: 256 * 1024 * 1024,
  stdio: ['ignore', 'pipe', 'inherit'],
});
let passed = 0;
let failed = 0;
const json = (forge.stdout ?? '').trim();
try {
  const report = JSON.parse(json.slice(json.indexOf('{')));
  for (const [suite, s] of Object.entries(report)) {
    for (const [name, t] of Object.entries(s.test_results ?? {})) {
      const ok = t.status === 'Success';
      if (ok) passed++;
      else failed++;
      console.log(`  ${ok ? '✓' : '✗'} ${suite.split(':')[1]}.${name}${ok ? '' : `  — ${t.reason ?? 'failed'}${t.counterexample ? ` (counterexample ${JSON.stringify(t.counterexample)})` : ''}`}`);
    }
  }
  if (process.env.FORGE_JSON) {
    mkdirSync(dirname(resolve(root, process.env.FORGE_JSON)), { recursive: true });
    writeFileSync(resolve(root, process.env.FORGE_JSON), JSON.stringify({ passed, failed }));
  }
} catch {
  console.log(`  ✗ forge produced no report (exit ${forge.status}):\n${json.slice(0, 2000)}`);
  failed++;
}
console.log(` forge: ${passed} passed, ${failed} failed`);
process.exit(vitest.status === 0 && forge.status === 0 && failed === 0 ? 0 : 1);
