/**
 * `vamm study <name>`: runs a study's sweep on the worker pool (resumable; `--shard i/N` runs one
 * slice anywhere), then analyses the rows into result.json, result.md and result.html. `--analyse <rows>`
 * only analyses (e.g. the output of `vamm merge`). `vamm sweep` runs a plain sweep spec;
 * `vamm merge` combines shard outputs into the rows of the unsharded run.
 */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { writeFileAtomic } from '../../data/atomic-write.ts';
import { InputError } from '../../data/input-error.ts';
import { checkWritableFile, checkWritableFolder } from '../../data/staged-folder.ts';
import { renderHtml } from '../../reports/render/html.ts';
import { renderMarkdown } from '../../reports/render/markdown.ts';
import { STUDIES, type Study, type StudyName, loadStudyConfig } from '../../scenarios/studies/registry.ts';
import { type SweepRow, loadSweepSpec, mergeRows, parseShard, readRows, runSweep } from '../../scenarios/sweep.ts';
import type { RunSummary } from '../../sim/engine/summary.ts';
import type { Json } from '../../sim/state-view.ts';
import { EXIT_FAILED_CHECKS, UsageError } from '../errors.ts';
import { progressBar } from '../progress.ts';
import { integerOption } from './data-io.ts';

interface StudyFlags {
  config?: string;
  threads: string;
  shard?: string;
  out?: string;
  analyse?: string;
  data?: string;
  quiet?: boolean;
}

/**
 * Points that ran and failed (their rows hold the error): the command exits 1 after writing what
 * it has. A study's findings (`Study.finding`: a grid cell whose stated book cannot be held) are
 * reported as such, in the result and here, and do not fail the command.
 */
function reportFailures(rows: readonly SweepRow[], where: string, study?: Study<unknown>): void {
  const findings = rows.filter((r) => !r.ok && study?.finding?.(r) != null);
  if (findings.length > 0) process.stderr.write(`${findings.length} of ${rows.length} runs are findings, not failures (shown in the result): ${findings[0]?.error ?? '?'}\n`);
  const failed = rows.filter((r) => !r.ok && !findings.includes(r));
  if (failed.length === 0) return;
  process.stderr.write(`${failed.length} of ${rows.length} runs failed (their errors are in ${where}); first: ${failed[0]?.error ?? '?'}\n`);
  process.exitCode = EXIT_FAILED_CHECKS;
}

export function registerStudyCommands(program: Command): void {
  program
    .command('study')
    .description('run a study: funding-cap, insurance, k-resize — writes rows.jsonl, result.json, result.md, result.html')
    .argument('<name>', `one of: ${Object.keys(STUDIES).join(', ')}`)
    .option('--config <file>', 'study config (default: the bundled one in scenarios/studies/)')
    .option('--threads <n>', 'worker threads', '2')
    .option('--shard <i/N>', 'run only slice i of N (rows only; merge them with `vamm merge`)')
    .option('--analyse <rows>', 'analyse existing rows (JSON Lines) instead of running')
    .option('-o, --out <dir>', 'output folder (default: runs/study-<name>)')
    .option('--data <dir>', 'price-data folder')
    .option('-q, --quiet', 'no progress on stderr (results still go to stdout)')
    .action(async (name: string, flags: StudyFlags) => {
      if (!(name in STUDIES)) throw new UsageError(`unknown study "${name}" (studies: ${Object.keys(STUDIES).join(', ')})`);
      const study = STUDIES[name as StudyName] as unknown as Study<unknown>;
      const threads = integerOption('--threads', flags.threads, 1);
      const shard = flags.shard ? parseShard(flags.shard) : undefined;
      if (shard && flags.analyse) throw new UsageError('--shard runs a slice of the points and --analyse analyses rows: give one of them');
      if (flags.analyse && !(existsSync(flags.analyse) && statSync(flags.analyse).isFile())) throw new InputError({ file: flags.analyse, field: '--analyse' }, 'no such rows file');
      const config = loadStudyConfig(study, flags.config ?? study.defaultConfig);
      const out = flags.out ?? join('runs', `study-${name}`);
      checkWritableFolder(out, '--out');
      const dataDir = flags.data ? { dataDir: flags.data } : {};
      let rows: SweepRow[];
      const rowsFile = flags.analyse ?? join(out, shard ? `rows-${shard.index}-of-${shard.count}.jsonl` : 'rows.jsonl');
      if (flags.analyse) {
        rows = [...readRows(flags.analyse).values()].sort((a, b) => a.index - b.index);
      } else {
        const bar = progressBar(`study ${name}${shard ? ` shard ${flags.shard}` : ''}`, flags.quiet ?? false);
        const common = { threads, ...(shard ? { shard } : {}), out: rowsFile, ...dataDir };
        try {
          if (study.run) {
            rows = [...(await study.run(config, { ...common, onProgress: (done, total) => bar.update(total ? done / total : 1, `${done}/${total} cells`) }))];
          } else if (study.sweep && study.metrics) {
            const metrics = study.metrics;
            rows = await runSweep(await study.sweep(config, dataDir), {
              ...common,
              metrics: (s: RunSummary, p) => metrics(config, s, p),
              onProgress: (done, total) => bar.update(done / total, `${done}/${total} runs`),
            });
          } else throw new Error(`study ${name} has neither a runner nor a sweep`);
        } finally {
          bar.stop();
        }
        if (shard) {
          process.stdout.write(`shard ${flags.shard}: ${rows.length} rows in ${rowsFile}\n`);
          reportFailures(rows, rowsFile, study);
          return;
        }
      }
      const expected = await study.expectedRows(config, dataDir);
      if (rows.length !== expected) {
        throw new InputError({ file: rowsFile, field: flags.analyse ? '--analyse' : undefined }, `${rows.length} of ${expected} points have rows: run the missing ones (or merge every shard with vamm merge --expect ${expected}) first`);
      }
      const result = await study.analyse(config, rows, dataDir);
      const doc = study.document(config, result);
      const md = renderMarkdown(doc, 'result.html');
      writeFileAtomic(join(out, 'result.json'), `${JSON.stringify(result, null, 2)}\n`);
      writeFileAtomic(join(out, 'result.html'), renderHtml(doc));
      writeFileAtomic(join(out, 'result.md'), md);
      const extra = study.exportFiles ? await study.exportFiles(config, result, out, dataDir) : [];
      process.stdout.write(`${md}\nwritten ${out}/result.json, result.md, result.html${extra.map((f) => `, ${f}`).join('')}\n`);
      reportFailures(rows, rowsFile, study);
    });

  program
    .command('sweep')
    .description('run a sweep spec (a run scenario over a grid of parameters × seeds); resumable, shardable')
    .argument('<spec>', 'sweep JSON: { name, scenario, mode, axes: [{ path, values }], seeds }')
    .option('--threads <n>', 'worker threads', '2')
    .option('--shard <i/N>', 'run only slice i of N')
    .option('-o, --out <file>', 'rows file (JSON Lines, appended; default runs/sweep-<name>.jsonl)')
    .option('--data <dir>', 'price-data folder')
    .option('-q, --quiet', 'no progress on stderr (results still go to stdout)')
    .action(async (file: string, flags: Omit<StudyFlags, 'config' | 'analyse' | 'out'> & { out?: string }) => {
      const threads = integerOption('--threads', flags.threads, 1);
      const shard = flags.shard ? parseShard(flags.shard) : undefined;
      const spec = loadSweepSpec(file);
      const out = flags.out ?? join('runs', `sweep-${spec.name}${shard ? `-${shard.index}-of-${shard.count}` : ''}.jsonl`);
      checkWritableFile(out, '--out');
      const bar = progressBar(`sweep ${spec.name}`, flags.quiet ?? false);
      let rows: SweepRow[];
      try {
        rows = await runSweep(spec, {
          threads,
          ...(shard ? { shard } : {}),
          out,
          metrics: (s) => s as unknown as Json,
          ...(flags.data ? { dataDir: flags.data } : {}),
          onProgress: (done, total) => bar.update(done / total, `${done}/${total} runs`),
        });
      } finally {
        bar.stop();
      }
      process.stdout.write(`${rows.filter((r) => r.ok).length}/${rows.length} runs ok; rows in ${out}\n`);
      reportFailures(rows, out);
    });

  program
    .command('merge')
    .description('merge shard rows (JSON Lines) into the rows of the unsharded run')
    .argument('<files...>', 'rows files from every shard')
    .requiredOption('-o, --out <file>', 'merged rows (JSON Lines)')
    .option('--expect <n>', 'the number of points the whole sweep has (checks nothing is missing)')
    .action((files: string[], flags: { out: string; expect?: string }) => {
      const expected = integerOption('--expect', flags.expect, 1);
      // A shell glob that matched nothing arrives as the pattern itself: never "merged 0 rows".
      const missing = files.filter((f) => !(existsSync(f) && statSync(f).isFile()));
      if (missing.length > 0) throw new InputError({ file: missing.join(', ') }, `no such rows file${missing.length > 1 ? 's' : ''}`);
      checkWritableFile(flags.out, '--out');
      const rows = mergeRows(files, expected);
      writeFileAtomic(flags.out, rows.map((r) => JSON.stringify(r)).join('\n') + (rows.length ? '\n' : ''));
      process.stdout.write(`merged ${rows.length} rows from ${files.length} files into ${flags.out}\n`);
      reportFailures(rows, flags.out);
    });
}
