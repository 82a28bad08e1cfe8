/**
 * Where the time went: reads a V8 `.cpuprofile` (node --cpu-prof) and prints the functions
 * with the most self time and the most total time (self plus callees), as shares of the
 * sampled time. `npx tsx bench/cpu-profile.ts <file.cpuprofile> [top]`.
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  readonly children?: readonly number[];
}
interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
}

export interface FunctionTime {
  readonly name: string;
  readonly selfShare: number;
  readonly totalShare: number;
}

const label = (n: ProfileNode) => {
  const file = n.callFrame.url.replace(/^.*\/(wt-\d+|vamm-sim|node_modules)\//, '');
  return `${n.callFrame.functionName || '(anonymous)'} ${file}:${n.callFrame.lineNumber + 1}`;
};

/** Self and total sample shares per function (a recursive function counts once per sample). */
export function functionTimes(profile: CpuProfile): FunctionTime[] {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const self = new Map<string, number>();
  const total = new Map<string, number>();
  for (const id of profile.samples) {
    const leaf = byId.get(id) as ProfileNode;
    self.set(label(leaf), (self.get(label(leaf)) ?? 0) + 1);
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const name = label(byId.get(at) as ProfileNode);
      if (seen.has(name)) continue;
      seen.add(name);
      total.set(name, (total.get(name) ?? 0) + 1);
    }
  }
  const n = profile.samples.length;
  return [...total.keys()].map((name) => ({ name, selfShare: (self.get(name) ?? 0) / n, totalShare: (total.get(name) as number) / n }));
}

if (process.argv[1]?.endsWith('cpu-profile.ts')) {
  const [file, topArg] = process.argv.slice(2);
  if (!file) throw new Error('usage: tsx bench/cpu-profile.ts <file.cpuprofile> [top]');
  const top = Number(topArg ?? 25);
  const times = functionTimes(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile);
  const pct = (x: number) => `${(100 * x).toFixed(1).padStart(5)} %`;
  console.log('self time');
  for (const t of [...times].sort((a, b) => b.selfShare - a.selfShare).slice(0, top)) console.log(`  ${pct(t.selfShare)}  ${t.name}`);
  console.log('total time (self + callees)');
  for (const t of [...times].sort((a, b) => b.totalShare - a.totalShare).slice(0, top)) console.log(`  ${pct(t.totalShare)}  ${t.name}`);
}
