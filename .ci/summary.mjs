// Prints "N passed, N failed[, N skipped]" from vitest's JSON report plus the forge tests'
// counts (scripts/run-tests.mjs writes them); exits 1 on any failure or when a report is missing
// (a crashed run is a failed run).
import { existsSync, readFileSync } from 'node:fs';

const file = process.argv[2];
const forgeFile = process.argv[3];
if (!file || !existsSync(file) || (forgeFile && !existsSync(forgeFile))) {
  console.log('0 passed, 1 failed');
  process.exit(1);
}
const report = JSON.parse(readFileSync(file, 'utf8'));
const forge = forgeFile ? JSON.parse(readFileSync(forgeFile, 'utf8')) : { passed: 0, failed: 0 };
const passed = (report.numPassedTests ?? 0) + forge.passed;
// A suite that failed to load has no test results of its own: count it as one failure.
const brokenSuites = (report.testResults ?? []).filter((s) => s.status === 'failed' && (s.assertionResults ?? []).length === 0).length;
const failed = (report.numFailedTests ?? 0) + brokenSuites + forge.failed;
const skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed === 0 && report.success !== false ? 0 : 1);
