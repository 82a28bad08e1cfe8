/**
 * The audit report without a browser: config validation with located errors, the scope's
 * hashes, the cross-check result format (the harness's ReplayReport), every section's content
 * in Markdown with and without cross-check evidence, findings reproduced by their scripts, and
 * the real config for the default design.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InputErrors } from '../data/input-error.ts';
import { faultScenario } from '../scenarios/liveness/faults.ts';
import { buildAuditModel } from '../reports/audit/audit-model.ts';
import { auditReportDocument } from '../reports/audit/audit-report.ts';
import { loadAuditConfig, parseAuditConfig } from '../reports/audit/config.ts';
import { loadCrosscheckResult } from '../reports/audit/crosscheck.ts';
import { readScope } from '../reports/audit/scope.ts';
import { writeAudit } from '../reports/audit/write-audit.ts';
import { renderMarkdown } from '../reports/render/markdown.ts';
import { FIXTURES, ROOT, runCrashHours, writeAuditConfig } from './helpers/report-fixtures.ts';

const dir = mkdtempSync(join(tmpdir(), 'vamm-audit-'));
const runDir = join(dir, 'run');
beforeAll(() => runCrashHours(runDir), 60_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('audit config', () => {
  it('refuses bad fields with their place, and duplicate finding ids', () => {
    const text = JSON.stringify({ title: 'x', severity: 1, findings: [{ id: 'F-1', title: 't', severity: 'huge', affects: 'a', description: 'd', script: 's.json', recommendation: 'r' }] }, null, 2);
    try {
      parseAuditConfig(text, 'audit.json');
      expect.unreachable();
    } catch (e) {
      const messages = (e as InputErrors).errors.map((x) => x.message);
      expect(messages.some((m) => /^audit\.json:\d+:\d+: findings\[0\]\.severity: /.test(m))).toBe(true);
      expect(messages.some((m) => /severity/.test(m) && /(root)|Unrecognized/.test(m))).toBe(true);
    }
    const dup = { findings: [1, 2].map(() => ({ id: 'F-1', title: 't', severity: 'low', affects: 'a', description: 'd', script: 's.json', recommendation: 'r' })) };
    expect(() => parseAuditConfig(JSON.stringify(dup), 'a.json')).toThrow(/duplicate finding id F-1/);
  });

  it('resolves paths against the config file', () => {
    const c = parseAuditConfig(JSON.stringify({ runs: ['../runs/x'], contracts: { dir: 'src' } }), '/tmp/audit/config.json');
    expect(c.runs).toEqual(['/tmp/runs/x']);
    expect(c.contracts?.dir).toBe('/tmp/audit/src');
  });
});

describe('audit scope', () => {
  it('hashes every source file, reads pragmas and the foundry settings', () => {
    const s = readScope(join(FIXTURES, 'contracts', 'src'));
    expect(s.found).toBe(true);
    expect(s.files.map((f) => f.path)).toEqual(['test/fixtures/reports/contracts/src/Vault.sol', 'test/fixtures/reports/contracts/src/libraries/FixedPoint.sol']);
    const vault = readFileSync(join(FIXTURES, 'contracts', 'src', 'Vault.sol'));
    expect(s.files[0]!.sha256).toBe(createHash('sha256').update(vault).digest('hex'));
    expect(s.pragmas).toEqual(['^0.8.28']);
    expect(s.settings).toMatchObject({ optimizer: 'true', via_ir: 'true', evm_version: 'cancun' });
    expect(s.commit?.hash).toMatch(/^[0-9a-f]{40}$/);
  });

  it('says so when the contracts folder is absent', () => {
    const s = readScope(join(ROOT, 'no-such-contracts'));
    expect(s.found).toBe(false);
    expect(s.files).toEqual([]);
  });
});

describe('cross-check results', () => {
  it('reads the harness format', () => {
    const r = loadCrosscheckResult(join(FIXTURES, 'crosscheck-whale.json'));
    expect(r.transactions).toBe(13);
    expect(r.gas.openPosition).toEqual({ count: 3, min: 171388, median: 188488, max: 222706 });
  });

  it('refuses a malformed one with the field', () => {
    const bad = join(dir, 'bad-crosscheck.json');
    writeFileSync(bad, JSON.stringify({ name: 'x', steps: 1, transactions: -1, reverted: 0, blocks: 1, divergences: [], gas: {}, seconds: 1, transactionsPerSecond: 1, modelSeconds: 1 }));
    expect(() => loadCrosscheckResult(bad)).toThrow(/transactions/);
  });
});

describe('audit report', () => {
  const markdown = (crosscheck: boolean) => {
    const file = join(dir, `audit-${crosscheck}.json`);
    writeAuditConfig(file, { runDir, crosscheck });
    const model = buildAuditModel(loadAuditConfig(file));
    return { model, md: renderMarkdown(auditReportDocument(model), 'audit.html') };
  };

  it('has scope, parameters, invariants, cross-check, stress, findings — each finding reproduced', () => {
    const { model, md } = markdown(true);
    for (const h of ['## Scope', '## Protocol parameters', '## Invariants', '## Cross-check evidence', '## Stress results and recommendations', '## Findings', '## F-1: finding 1', '## F-4: finding 4']) expect(md).toContain(h);
    expect(md).toMatch(/\| test\/fixtures\/reports\/contracts\/src\/Vault\.sol \| \d+ \| [0-9a-f]{64} \|/);
    expect(md).toContain('| clearingHouse.initMarginRatio | 0.1 |');
    expect(md).toContain('| market.funding.fundingCapRatio | 0.001 |');
    expect(md).toContain('**no divergence** 13 transactions replayed');
    expect(md).toContain('| openPosition | 3 | 171,388 | 188,488 | 222,706 |');
    expect(md).toContain('| black-thursday-crash-hours |');
    expect(md).toContain('- size the fund');
    expect(model.findings.every((f) => f.reproduced)).toBe(true);
    expect(md).toMatch(/\| F-1 \| medium \| finding 1 \| the fixture \| .*finding-vault-overpays-insurance-fund\.json \| yes \(\d+\/\d+ expectations\) \|/);
    expect(md).toContain('vaultOverpaidToInsuranceFund = "1690815006468305302"');
    expect(md).toContain('reverts OpenNotionalNotPositive');
    // Invariant evidence: the run plus the whale script and the four finding scripts.
    expect(model.scripts.map((s) => s.name).sort()).toEqual(['finding-ignored-bad-debt', 'finding-insurance-fund-uncollected', 'finding-reduce-profitable-position', 'finding-vault-overpays-insurance-fund', 'whale-liquidation']);
    expect(md).toMatch(/\*\*no violations\*\* [\d,]+ invariant checks over 1 agent runs and 5 scripted scenarios/);
  });

  it('says when the contracts folder is missing, without a commit for it', () => {
    const file = join(dir, 'audit-nocontracts.json');
    writeAuditConfig(file, { runDir, crosscheck: false, contracts: join(ROOT, 'no-such-contracts') });
    const md = renderMarkdown(auditReportDocument(buildAuditModel(loadAuditConfig(file))));
    expect(md).toContain('| commit | — |');
    expect(md).toMatch(/\*\*not found\*\* .*no-such-contracts does not exist in this tree/);
  });

  it('states cross-check evidence as not provided when none is given', () => {
    const { md } = markdown(false);
    expect(md).toContain('**not provided** No cross-check result was given');
    expect(md).not.toContain('Gas per operation');
  });

  it('marks a finding whose script no longer shows it as not reproduced', () => {
    const file = join(dir, 'audit-broken.json');
    writeAuditConfig(file, { runDir, crosscheck: false });
    const config = loadAuditConfig(file);
    const broken = join(dir, 'broken-finding.json');
    const script = JSON.parse(readFileSync(config.findings[0]!.script, 'utf8'));
    script.steps[script.steps.length - 1].expect.vaultOverpaidToInsuranceFund = '0';
    writeFileSync(broken, JSON.stringify(script));
    const model = buildAuditModel({ ...config, findings: [{ ...config.findings[0]!, script: broken }] });
    expect(model.findings[0]!.reproduced).toBe(false);
    expect(renderMarkdown(auditReportDocument(model))).toContain('**not reproduced**');
  });

  it('writes HTML, Markdown and JSON without a PDF when asked', async () => {
    const file = join(dir, 'audit-true.json');
    const out = await writeAudit(loadAuditConfig(file), join(dir, 'out'), { pdf: false });
    expect(out.pdf).toBeNull();
    expect(readFileSync(out.markdown, 'utf8')).toContain('# Fixture audit');
    const json = JSON.parse(readFileSync(out.json, 'utf8'));
    expect(json.findings.map((f: { finding: { id: string } }) => f.finding.id)).toEqual(out.model.findings.map((f) => f.finding.id));
    expect(json.findings.every((f: { reproduced: boolean }) => f.reproduced)).toBe(true);
    expect(out.sections).toBe(7 + 4); // scope, parameters, invariants, cross-check, liveness, stress, findings + one per finding
  });

  it('shows each liveness property under each fault, and a violation with its shortest script', () => {
    const config = loadAuditConfig(join(dir, 'audit-true.json'));
    const script = faultScenario('oracle-reverts', 1);
    const row = (property: 'liquidatable' | 'claims-covered', status: 'held' | 'violated') => ({
      fault: 'oracle-reverts' as const,
      property,
      status,
      scenarios: 1,
      checks: 12,
      finding: property === 'liquidatable' ? '1' : null,
      violation: status === 'violated' ? { script, foundSteps: script.steps.length + 3, seed: 1, step: 8, message: "victim's ETH position is below maintenance but liquidate reverts FeedDown" } : null,
    });
    const liveness = {
      contracts: { ref: '2d8cf93', commit: '2d8cf935fe7a74eba5177d9060cca98ddf3a6bd3', dir: null },
      report: { rows: [row('liquidatable', 'violated'), row('claims-covered', 'held')], gasBound: 15_000_000, seeds: 1, flood: { dustAccounts: 1500, dustPositions: 400 }, runs: 9, seconds: 40 },
    };
    const doc = auditReportDocument({ ...buildAuditModel(config), liveness });
    const md = renderMarkdown(doc, 'audit.html');
    expect(md).toContain('## Liveness under injected faults');
    expect(md).toContain('1 violated');
    expect(md).toContain('git 2d8cf93 → 2d8cf935fe7a74eba5177d9060cca98ddf3a6bd3');
    expect(md).toContain('oracle-reverts — liquidatable (review finding 1)');
    expect(md).toContain('liquidate reverts FeedDown');
    expect(md).toContain('"setOracleFault":{"market":"ETH","fault":"revert"}');
    // Without a "liveness" section in the config the report says the property is not evidenced.
    expect(renderMarkdown(auditReportDocument(buildAuditModel(config)), 'audit.html')).toContain('liquidation, solvency and gas liveness under faults are not evidenced');
  });

  it("the default design's config is valid and its findings are reproduced", () => {
    const config = loadAuditConfig(join(ROOT, 'scenarios', 'audit', 'default-design.json'));
    expect(config.findings.map((f) => f.id)).toEqual(['F-1', 'F-2', 'F-3', 'F-4']);
    const model = buildAuditModel({ ...config, runs: [], crosscheck: [] });
    expect(model.findings.every((f) => f.reproduced)).toBe(true);
    expect(model.scripts.length).toBeGreaterThan(25);
  });
});
