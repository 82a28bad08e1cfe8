/**
 * Nelder–Mead minimisation (standard coefficients: reflection 1, expansion 2, contraction ½,
 * shrink ½), restarted from the best point until it stops improving. Used for the GARCH
 * likelihood, whose parameters are mapped to an unconstrained space first.
 */
export interface MinimiseResult {
  readonly x: number[];
  readonly value: number;
  readonly evaluations: number;
}

export function nelderMead(f: (x: number[]) => number, start: readonly number[], options: { step?: number; tolerance?: number; maxEvaluations?: number; restarts?: number } = {}): MinimiseResult {
  const step = options.step ?? 0.5;
  const tol = options.tolerance ?? 1e-9;
  const maxEval = options.maxEvaluations ?? 5000;
  let evaluations = 0;
  const F = (x: number[]) => {
    evaluations++;
    const v = f(x);
    return Number.isFinite(v) ? v : Number.POSITIVE_INFINITY;
  };
  let best = { x: [...start], value: F([...start]) };
  for (let restart = 0; restart <= (options.restarts ?? 2); restart++) {
    const n = best.x.length;
    let simplex = [best.x, ...best.x.map((_, i) => best.x.map((v, j) => (i === j ? v + step : v)))].map((x) => ({ x, value: x === best.x ? best.value : F(x) }));
    while (evaluations < maxEval) {
      simplex.sort((a, b) => a.value - b.value);
      const lo = simplex[0] as { x: number[]; value: number };
      const hi = simplex[n] as { x: number[]; value: number };
      if (Math.abs(hi.value - lo.value) <= tol * (Math.abs(lo.value) + tol)) break;
      const centroid = lo.x.map((_, j) => simplex.slice(0, n).reduce((s, p) => s + (p.x[j] as number), 0) / n);
      const along = (t: number) => centroid.map((c, j) => c + t * ((hi.x[j] as number) - c));
      const r = { x: along(-1), value: 0 };
      r.value = F(r.x);
      if (r.value < lo.value) {
        const e = { x: along(-2), value: 0 };
        e.value = F(e.x);
        simplex[n] = e.value < r.value ? e : r;
      } else if (r.value < (simplex[n - 1] as { value: number }).value) {
        simplex[n] = r;
      } else {
        const c = { x: along(r.value < hi.value ? -0.5 : 0.5), value: 0 };
        c.value = F(c.x);
        if (c.value < Math.min(r.value, hi.value)) simplex[n] = c;
        else simplex = simplex.map((p, i) => (i === 0 ? p : { x: p.x.map((v, j) => (lo.x[j] as number) + 0.5 * (v - (lo.x[j] as number))), value: 0 })).map((p, i) => (i === 0 ? p : { x: p.x, value: F(p.x) }));
      }
    }
    simplex.sort((a, b) => a.value - b.value);
    const found = simplex[0] as { x: number[]; value: number };
    const improved = found.value < best.value - tol * Math.abs(best.value);
    best = found.value <= best.value ? found : best;
    if (!improved && restart > 0) break;
  }
  return { x: best.x, value: best.value, evaluations };
}
