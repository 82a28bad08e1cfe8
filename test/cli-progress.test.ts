/**
 * Progress on stderr outside a terminal: plain lines when the work starts, at each phase, at an
 * interval while it runs, and at the end (a CI log shows the job is alive and how far it got);
 * nothing at all with --quiet.
 */
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { progressBar } from '../cli/progress.ts';

function sink(): { stream: Writable & { isTTY: false }; lines: () => string[] } {
  let text = '';
  const stream = Object.assign(new Writable({ write: (chunk, _enc, done) => ((text += String(chunk)), done()) }), { isTTY: false as const });
  return { stream, lines: () => text.split('\n').filter(Boolean) };
}

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('progress outside a terminal', () => {
  it('prints a line at the start, at each phase, every interval, and at the end', async () => {
    const out = sink();
    const bar = progressBar('crosscheck day', false, { stream: out.stream, intervalSeconds: 0.05 });
    bar.phase('compiling contracts');
    await wait(80);
    bar.update(0.25, 'replaying: 25/100 steps');
    await wait(80);
    bar.update(1, 'replaying: 100/100 steps');
    bar.stop();
    const lines = out.lines();
    expect(lines[0]).toMatch(/^crosscheck day: started \(0s\)$/);
    expect(lines[1]).toMatch(/^crosscheck day: compiling contracts \(0s\)$/);
    expect(lines).toContainEqual(expect.stringMatching(/^crosscheck day: 0% compiling contracts \(0s\)$/));
    expect(lines).toContainEqual(expect.stringMatching(/^crosscheck day: 25% replaying: 25\/100 steps \(0s\)$/));
    expect(lines.at(-1)).toMatch(/^crosscheck day: done, 100% replaying: 100\/100 steps \(0s\)$/);
    expect(lines.join('\n')).not.toMatch(/\r|\u001b/); // no carriage returns or terminal codes in a log
  });

  it('says how it ended when it did not finish', () => {
    const out = sink();
    progressBar('run', false, { stream: out.stream }).stop('interrupted');
    expect(out.lines().at(-1)).toMatch(/^run: interrupted, 0% starting/);
  });

  it('is silent when quiet', async () => {
    const out = sink();
    const bar = progressBar('run', true, { stream: out.stream, intervalSeconds: 0.01 });
    bar.phase('loading');
    bar.update(0.5, 'half');
    await wait(30);
    bar.stop();
    expect(out.lines()).toEqual([]);
  });
});
