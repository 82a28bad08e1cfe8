/**
 * `vamm audit`: builds the audit model from the config, and writes audit.html, audit.md,
 * audit.json (the model itself, for machines) and (unless skipped) audit.pdf printed from the
 * HTML by Chromium.
 */
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { toJson } from '../../sim/state-view.ts';
import { printToPdf } from '../pdf.ts';
import { renderHtml } from '../render/html.ts';
import { renderMarkdown } from '../render/markdown.ts';
import { checkoutContractsAt } from '../../contracts/harness/git-ref.ts';
import { buildAuditModel, type AuditModel } from './audit-model.ts';
import { livenessEvidence, writeLivenessScripts } from './liveness.ts';
import { auditReportDocument } from './audit-report.ts';
import type { AuditConfig } from './config.ts';

export interface AuditOutput {
  readonly model: AuditModel;
  readonly html: string;
  readonly markdown: string;
  readonly json: string;
  readonly pdf: string | null;
  readonly sections: number;
  readonly bytes: { readonly html: number; readonly pdf: number | null };
}

export interface AuditOptions {
  readonly pdf?: boolean;
  readonly generated?: string;
  /** Audit the contracts as they were at this git ref (scope and liveness). */
  readonly contractsRef?: string;
  readonly onProgress?: (message: string) => void;
}

export async function writeAudit(config: AuditConfig, outDir: string, options: AuditOptions = {}): Promise<AuditOutput> {
  const ref = options.contractsRef;
  const checkout = ref ? checkoutContractsAt(ref) : null;
  let model: AuditModel;
  try {
    const base = buildAuditModel(checkout ? { ...config, contracts: { dir: checkout.srcDir } } : config);
    // The scope of a ref is its commit's files (read from a temporary checkout).
    const scope = checkout && base.scope ? { ...base.scope, dir: `git ${ref}:contracts/src`, commit: { hash: checkout.commit, dirty: false } } : base.scope;
    const liveness = await livenessEvidence(config, { ...(ref ? { ref } : {}), ...(options.onProgress ? { onProgress: options.onProgress } : {}) });
    model = { ...base, scope, liveness };
  } finally {
    checkout?.remove();
  }
  const doc = auditReportDocument(model, options.generated ? { generated: options.generated } : {});
  mkdirSync(outDir, { recursive: true });
  if (model.liveness) writeLivenessScripts(model.liveness, outDir);
  const html = join(outDir, 'audit.html');
  const markdown = join(outDir, 'audit.md');
  writeFileSync(html, renderHtml(doc));
  writeFileSync(markdown, renderMarkdown(doc, 'audit.html'));
  const json = join(outDir, 'audit.json');
  writeFileSync(json, `${JSON.stringify(toJson(model), null, 2)}\n`);
  let pdf: string | null = null;
  if (options.pdf ?? true) {
    pdf = join(outDir, 'audit.pdf');
    await printToPdf(html, pdf);
  }
  return { model, html, markdown, json, pdf, sections: doc.sections.length, bytes: { html: statSync(html).size, pdf: pdf ? statSync(pdf).size : null } };
}
