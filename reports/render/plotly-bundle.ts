/**
 * plotly.js (the minified dist package) read from node_modules, escaped for inlining, so a
 * report opens offline with no request for a script. Read once per process.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { inlineScriptSource } from './escape.ts';

let cached: { source: string; version: string } | null = null;

export function plotlyBundle(): { source: string; version: string } {
  if (!cached) {
    const require = createRequire(import.meta.url);
    const file = require.resolve('plotly.js-dist-min/plotly.min.js');
    const version = (require('plotly.js-dist-min/package.json') as { version: string }).version;
    cached = { source: inlineScriptSource(readFileSync(file, 'utf8')), version };
  }
  return cached;
}
