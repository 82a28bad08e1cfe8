#!/usr/bin/env node
// `npm test`: the vitest suites (arguments are passed to vitest) and the forge suites
// (contracts/test: unit, fuzz, invariant). forge starts first and compiles while vitest runs
// (its output is held and printed after vitest's). forge's counts go to $FORGE_JSON when set,
// so CI's summary line counts its tests, and one line per forge test is printed.
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');

function run(args, capture) {
  return new Promise((resolveRun) => {
    const child = spawn(process.execPath, args, { cwd: root, stdio: capture ? ['ignore', 'pipe', 'pipe'] : 'inherit' });
    let stdout = '';
    let stderr = '';
    if (capture) {
      child.stdout.on('data', (d) => (stdout += d));
      child.stderr.on('data', (d) => (stderr += d));
    }
    child.on('error', (error) => resolveRun({ status: 2, stdout, stderr: `${stderr}${error.message}` }));
    child.on('close', (status) => resolveRun({ status: status ?? 1, stdout, stderr }));
  });
}

const forgeRun = run([resolve(root, 'contracts/scripts/forge.mjs'), 'test', '--json'], true);
const vitest = await run([resolve(root, 'node_modules/vitest/vitest.mjs'), 'run', ...process.argv.slice(2)], false);
const forge = await forgeRun;

console.log('\n== forge test (contracts/test)');
let passed = 0;
let failed = 0;
const json = forge.stdout.trim();
try {
  const report = JSON.parse(json.slice(json.indexOf('{')));
  for (const [suite, s] of Object.entries(report)) {
    for (const [name, t] of Object.entries(s.test_results ?? {})) {
      const ok = t.status === 'Success';
      if (ok) passed++;
      else failed++;
      const why = ok ? '' : `  — ${t.reason ?? 'failed'}${t.counterexample ? ` (counterexample ${JSON.stringify(t.counterexample)})` : ''}`;
      console.log(`  ${ok ? '✓' : '✗'} ${suite.split(':')[1]}.${name}${why}`);
    }
  }
} catch {
  console.log(`  ✗ forge produced no report (exit ${forge.status}):\n${forge.stderr.slice(-4000)}\n${json.slice(0, 2000)}`);
  failed++;
}
if (failed > 0 && forge.stderr) console.log(forge.stderr.slice(-4000));

// Gas per operation (contracts/test/Gas.t.sol) against the checked-in snapshot: a change that
// moves an operation's gas must say so by updating contracts/.gas-snapshot.
console.log('\n== forge snapshot --check (contracts/.gas-snapshot)');
const snapshot = await run([resolve(root, 'contracts/scripts/forge.mjs'), 'snapshot', '--check', '--match-path', 'test/Gas.t.sol'], true);
if (snapshot.status === 0) {
  passed++;
  console.log('  ✓ gas per operation matches contracts/.gas-snapshot');
} else {
  failed++;
  console.log(`${snapshot.stdout.slice(-4000)}${snapshot.stderr.slice(-2000)}`);
  console.log('  ✗ gas per operation differs from contracts/.gas-snapshot: if intended, run `npm run forge -- snapshot --match-path test/Gas.t.sol` and commit the file');
}
if (process.env.FORGE_JSON) {
  mkdirSync(dirname(resolve(root, process.env.FORGE_JSON)), { recursive: true });
  writeFileSync(resolve(root, process.env.FORGE_JSON), JSON.stringify({ passed, failed }));
}
console.log(` forge: ${passed} passed, ${failed} failed`);
process.exit(vitest.status === 0 && forge.status === 0 && failed === 0 ? 0 : 1);
