/**
 * `vamm study <name>`: runs a study's sweep on the worker pool (resumable; `--shard i/N` runs one
 * slice anywhere), then analyses the rows into result.json, result.md and result.html. `--analyse <rows>`
 * only analyses (e.g. the output of `vamm merge`). `vamm sweep` runs a plain sweep spec;
 * `vamm merge` combines shard outputs into the rows of the unsharded run.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { renderHtml } from '../../reports/render/html.ts';
import { renderMarkdown } from '../../reports/render/markdown.ts';
import { STUDIES, type Study, type StudyName, loadStudyConfig } from '../../scenarios/studies/registry.ts';
import { SweepSpecSchema, mergeRows, parseShard, readRows, runSweep } from '../../scenarios/sweep.ts';
import type { RunSummary } from '../../sim/engine/summary.ts';
import type { Json } from '../../sim/state-view.ts';
import { progressBar } from '../progress.ts';

interface StudyFlags {
  config?: string;
  threads: string;
  shard?: string;
  out?: string;
  analyse?: string;
  data?: string;
  quiet?: boolean;
}

const threadsOf = (text: string) => {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--threads must be a positive integer, got ${text}`);
  return n;
};

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
    .option('-q, --quiet', 'no progress bar')
    .action(async (name: string, flags: StudyFlags) => {
      if (!(name in STUDIES)) throw new Error(`unknown study "${name}" (studies: ${Object.keys(STUDIES).join(', ')})`);
      const study = STUDIES[name as StudyName] as unknown as Study<unknown>;
      const config = loadStudyConfig(study, flags.config ?? study.defaultConfig);
      const out = flags.out ?? join('runs', `study-${name}`);
      mkdirSync(out, { recursive: true });
      const shard = flags.shard ? parseShard(flags.shard) : undefined;
      const dataDir = flags.data ? { dataDir: flags.data } : {};
      let rows;
      if (flags.analyse) {
        rows = [...readRows(flags.analyse).values()].sort((a, b) => a.index - b.index);
      } else {
        const bar = progressBar(`study ${name}${shard ? ` shard ${flags.shard}` : ''}`, flags.quiet ?? false);
        const common = {
          threads: threadsOf(flags.threads),
          ...(shard ? { shard } : {}),
          out: join(out, shard ? `rows-${shard.index}-of-${shard.count}.jsonl` : 'rows.jsonl'),
          ...dataDir,
        };
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
        bar.stop();
        if (shard) {
          process.stderr.write(`shard ${flags.shard}: ${rows.length} rows in ${out}\n`);
          return;
        }
      }
      const expected = await study.expectedRows(config, dataDir);
      if (rows.length !== expected) throw new Error(`${rows.length} of ${expected} points have rows: run the missing ones (or merge every shard) first`);
      const result = await study.analyse(config, rows, dataDir);
      writeFileSync(join(out, 'result.json'), `${JSON.stringify(result, null, 2)}\n`);
      const doc = study.document(config, result);
      writeFileSync(join(out, 'result.html'), renderHtml(doc));
      const md = renderMarkdown(doc, 'result.html');
      writeFileSync(join(out, 'result.md'), md);
      const extra = study.exportFiles ? await study.exportFiles(config, result, out, dataDir) : [];
      if (!flags.quiet) process.stderr.write(`${md}\nwritten ${out}/result.json, result.md, result.html${extra.map((f) => `, ${f}`).join('')}\n`);
    });

  program
    .command('sweep')
    .description('run a sweep spec (a run scenario over a grid of parameters × seeds); resumable, shardable')
    .argument('<spec>', 'sweep JSON: { name, scenario, mode, axes: [{ path, values }], seeds }')
    .option('--threads <n>', 'worker threads', '2')
    .option('--shard <i/N>', 'run only slice i of N')
    .option('-o, --out <file>', 'rows file (JSON Lines, appended; default runs/sweep-<name>.jsonl)')
    .option('--data <dir>', 'price-data folder')
    .option('-q, --quiet', 'no progress bar')
    .action(async (file: string, flags: Omit<StudyFlags, 'config' | 'analyse' | 'out'> & { out?: string }) => {
      const spec = SweepSpecSchema.parse(JSON.parse(readFileSync(file, 'utf8')));
      const shard = flags.shard ? parseShard(flags.shard) : undefined;
      const out = flags.out ?? join('runs', `sweep-${spec.name}${shard ? `-${shard.index}-of-${shard.count}` : ''}.jsonl`);
      const bar = progressBar(`sweep ${spec.name}`, flags.quiet ?? false);
      const rows = await runSweep(spec, {
        threads: threadsOf(flags.threads),
        ...(shard ? { shard } : {}),
        out,
        metrics: (s) => s as unknown as Json,
        ...(flags.data ? { dataDir: flags.data } : {}),
        onProgress: (done, total) => bar.update(done / total, `${done}/${total} runs`),
      });
      bar.stop();
      process.stderr.write(`${rows.filter((r) => r.ok).length}/${rows.length} runs ok; rows in ${out}\n`);
    });

  program
    .command('merge')
    .description('merge shard rows (JSON Lines) into the rows of the unsharded run')
    .argument('<files...>', 'rows files from every shard')
    .requiredOption('-o, --out <file>', 'merged rows (JSON Lines)')
    .option('--expect <n>', 'the number of points the whole sweep has (checks nothing is missing)')
    .action((files: string[], flags: { out: string; expect?: string }) => {
      const rows = mergeRows(files, flags.expect === undefined ? undefined : Number(flags.expect));
      writeFileSync(flags.out, rows.map((r) => JSON.stringify(r)).join('\n') + (rows.length ? '\n' : ''));
      process.stderr.write(`merged ${rows.length} rows from ${files.length} files into ${flags.out}\n`);
    });
}
