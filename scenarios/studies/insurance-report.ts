/** The insurance-fund study's result as a report document: the decision first, then everything it rests on. */
import type { Block, ReportDocument } from '../../reports/document.ts';
import { FLOW_PARTS } from '../../sim/engine/fund-decomposition.ts';
import { type InsuranceConfig, type InsuranceResult, STRATA_SCORE_TEXT, pctText as pct } from './insurance.ts';
import type { Interval } from './statistics.ts';

const usd = (x: number) => Math.round(x).toLocaleString('en-US');
const bound = (x: number | null, f: (x: number) => string) => (x === null || !Number.isFinite(x) ? '?' : f(x));
const range = (i: Interval | null, f: (x: number) => string) => (i === null ? '–' : `${bound(i.estimate, f)} (${bound(i.low, f)} – ${bound(i.high, f)})`);
const days = (s: number) => (s % 86400 === 0 ? `${s / 86400} d` : `${+(s / 3600).toFixed(1)} h`);
const res = (s: number) => (s < 3600 ? `${s / 60} min` : `${s / 3600} h`);
const PART_NAMES: Record<string, string> = { badDebt: 'bad debt', fundingPaid: 'funding paid', fundingReceived: 'funding received', penalty: 'penalty income', fee: 'fee income', yieldLoss: 'vault yield loss', other: 'other' };

export function insuranceDocument(c: InsuranceConfig, r: InsuranceResult): ReportDocument {
  const last = c.horizons.at(-1) as number;
  const p = c.population;
  const assumptions = [
    `Open interest ${usd(Number(p.openInterest.long))} long / ${usd(Number(p.openInterest.short))} short USD over ${p.accounts.long} / ${p.accounts.short} accounts; the largest holds ${pct(p.concentration.top1)} of its side, the top ten ${pct(p.concentration.top10)}; the ${usd(r.book.skew)} USD difference is held by a hedged market maker at ${p.skewHolderLeverage}x.`,
    `Account leverage (notional / equity at the mark) by share of open interest: ${p.leverage.map((l) => `${l.leverage}x ${pct(l.share)}`).join(', ')}; accounts hold their positions until liquidated (no margin added, no stop-loss).`,
    `vAMM depth ${usd(Number(p.depth))} USD; the fund takes ${pct(p.feeShare)} of fees; the default design's margin and liquidation rules.`,
    `Paths: ${c.paths.generators.join(', ')} fitted to ${c.paths.history.file} ${c.paths.history.from} → ${c.paths.history.to}, ${days(c.paths.horizon)} from ${c.paths.startPrice} USD, real 5-minute shapes inside each hour (${c.paths.intrabar}); the far tail by stratification on ${STRATA_SCORE_TEXT[c.paths.score]}.`,
    `Stresses: each crash as it happened and ${c.stresses.map((s) => s.label).join(', ')}, over ${c.stressSeeds.length} agent seeds; a stress binds when its worst seed's drawdown exceeds every generator's bound.`,
    ...(typeof c.environment.description === 'string' ? [`The market around the book: ${c.environment.description}`] : []),
    'A stress with a second market (secondMarket) adds that market\'s book to the stated one: its drawdown covers more open interest than the share column counts.',
    'Hedged agents (arbitrageurs, the searcher) move collateral between their hedge venue and the chain (withdrawal latency, fee and gas: sim/engine/collateral-transfer.ts); the vault\'s yield source is in the model, and its loss is a stress.',
  ];
  const decision: Block[] = [
    {
      kind: 'table',
      columns: [`P(socialised loss within ${days(last)}) below`, 'fund (USD)', 'share of open interest', 'binding scenario', 'generator spread (USD)', 'Monte Carlo interval width (USD)', "agents' own bad debt"],
      numeric: [1, 2, 4, 5, 6],
      rows: r.decision.map((d) => [pct(d.target), bound(d.fund, usd), bound(d.shareOfOpenInterest, pct), d.binding, bound(d.generatorSpread, usd), bound(d.monteCarloWidth, usd), d.agentShare === null ? '–' : pct(d.agentShare)]),
      caption: `A fund of X USD (Y % of the ${usd(r.openInterest)} USD open interest) keeps P(socialised loss within ${days(last)}) below the target under every generator (its upper ${pct(c.confidence)} bound) and covers every stress scenario (its worst seed). The generator spread is model uncertainty; the interval width is Monte Carlo error. The last column is the share of the binding scenario's bad debt (on its paths at or beyond the fund) that the market's own agents left rather than the stated book: a high share is a finding about the agent model before it is one about the market.`,
    },
    { kind: 'subheading', text: 'Assumptions' },
    { kind: 'list', items: assumptions },
  ];
  for (const w of r.warnings) decision.push({ kind: 'status', label: 'warning', tone: 'warn', text: w });
  const sections: ReportDocument['sections'][number][] = [{ id: 'decision', title: 'Decision', blocks: decision }];

  sections.push({
    id: 'candidates',
    title: 'Fund per target under each generator and stress',
    blocks: [
      {
        kind: 'table',
        columns: ['source', 'kind', ...c.targets.flatMap((t) => [`P ≤ ${pct(t)}: fund (USD)`, 'P(D > fund), upper'])],
        numeric: c.targets.flatMap((_, i) => [2 * i + 2, 2 * i + 3]),
        rows: (r.decision[0]?.candidates ?? []).map((cand, k) => [cand.source, cand.kind, ...r.decision.flatMap((d) => [bound(d.candidates[k]?.fund ?? null, usd), cand.kind === 'stress' ? '–' : bound(d.candidates[k]?.pBeyond ?? null, pct)])]),
        caption: `Generators: the upper confidence bound of the drawdown quantile (the GPD tail where the runs give no bound), and the upper ${pct(c.confidence)} bound of P(drawdown > that fund) from the same runs (above the target: the runs do not show the fund meets it); stresses: the worst seed.`,
      },
      {
        kind: 'table',
        columns: ['generator', 'bulk stratum: probability', 'bulk runs', 'smallest P the runs can bound', ...c.targets.map((t) => `bulk runs without a hit to bound P ≤ ${pct(t)}`)],
        numeric: [1, 2, 3, ...c.targets.map((_, i) => i + 4)],
        rows: r.generators.map((g) => [g.generator, pct(g.floor.bulkWeight), usd(g.floor.bulkRuns), pct(g.floor.probability), ...c.targets.map((t) => bound(g.floor.runsToBound.find((x) => x.target === t)?.runs ?? null, usd))]),
        caption: `What the design can show: a stratum without a hit still leaves its exceedance rate unknown up to what its run count allows (Agresti–Coull, ${pct(c.confidence)}), so no fund is shown below the smallest P here, however large. The bulk's runs bound it; the last columns are the runs the bulk alone would need, none beyond the fund.`,
      },
    ],
  });

  sections.push({
    id: 'generators',
    title: 'Generators: VaR and expected shortfall of the fund drawdown',
    blocks: [
      {
        kind: 'table',
        columns: ['generator', 'runs', 'level', `VaR (USD, ${days(last)})`, 'ES (USD)', 'GPD VaR (USD)', 'GPD ES (USD)', 'P(any bad debt)'],
        numeric: [1, 3, 4, 5, 6],
        rows: r.generators.flatMap((g) => {
          const h = g.horizons.at(-1);
          return (h?.tails ?? []).map((t) => [g.generator, g.runs, `${+(100 * (1 - t.tail)).toFixed(4)} %`, range(t.var, usd), range(t.es, usd), range(t.gpdVar, usd), bound(t.gpdEs, usd), range(h?.pBadDebt ?? null, pct)]);
        }),
        caption: `Weighted by stratum; intervals ${pct(c.confidence)} from a stratified bootstrap (${c.resamples} resamples).`,
      },
      {
        kind: 'table',
        columns: ['generator', ...['volatility', 'excessKurtosis', 'acfAbs', 'quantiles', 'drawdowns']],
        rows: r.generators.map((g) => [g.generator, ...g.facts.map((f) => `${f.ok ? '✓' : '✗'}${f.claimed ? '' : ' ·'}`)]),
        caption: 'Stylised facts of each generator against the history it was fitted to (✓ within tolerance, · not claimed by that generator; data/fact-check.ts).',
      },
      {
        kind: 'table',
        columns: ['generator', 'stratum', 'probability', 'runs', 'P(fund draws down)', 'mean drawdown (USD)'],
        numeric: [2, 3, 5],
        rows: r.generators.flatMap((g) => g.strata.map((s, h) => [g.generator, h === 0 ? 'bulk' : `tail ${h}`, pct(s.weight), s.runs, pct(s.pAny), usd(s.meanDrawdown)])),
      },
    ],
  });

  const gpdRows = r.generators.filter((g) => g.gpd);
  if (gpdRows.length) {
    sections.push({
      id: 'tail-fit',
      title: 'Tail fit (peaks over threshold)',
      blocks: [
        {
          kind: 'table',
          columns: ['generator', 'threshold (USD)', 'P(exceed)', 'excesses', 'shape ξ', 'scale σ', 'ξ at the 5 / 2 / 1 / 0.5 % thresholds'],
          numeric: [1, 3],
          rows: gpdRows.map((g) => {
            const f = g.gpd as NonNullable<typeof g.gpd>;
            return [g.generator, usd(f.threshold), pct(f.exceedProbability), f.excesses, f.shape.toFixed(3), usd(f.scale), f.stability.map((s) => (s.shape === null ? '–' : s.shape.toFixed(2))).join(' / ')];
          }),
          caption: 'Generalised Pareto by weighted maximum likelihood on the drawdowns over the threshold; the threshold is the lowest whose shape agrees with the next within 0.1.',
        },
      ],
    });
  }

  if (r.agreement) {
    sections.push({
      id: 'agreement',
      title: 'Variance reduction checked against plain sampling',
      blocks: [
        {
          kind: 'table',
          columns: ['target', 'plain: fund (USD)', 'stratified: fund (USD)', 'plain: P(D > plain fund)', 'stratified: P(D > plain fund)', 'agree'],
          rows: r.agreement.map((a) => [pct(a.target), range(a.plainFund, usd), range(a.stratifiedFund, usd), range(a.plainP, pct), range(a.stratifiedPAtPlainFund, pct), a.agree ? 'yes' : 'no']),
          caption: `${c.paths.plain.count.toLocaleString('en-US')} plain ${c.paths.plain.generator} paths against the stratified design on other paths of the same generator (independent).`,
        },
      ],
    });
  }

  if (r.convergence) {
    const finest = r.convergence[0];
    sections.push({
      id: 'convergence',
      title: `Resolution convergence: ${c.convergence?.label ?? ''}`,
      blocks: [
        {
          kind: 'table',
          columns: ['resolution', 'seeds', 'fund drawdown per seed (USD)', 'mean', 'bad debt per seed (USD)', 'mean', 'mean bad debt vs the finest'],
          numeric: [3, 5],
          rows: r.convergence.map((x) => [res(x.resolution), x.seeds, x.drawdown.map(usd).join(' / '), usd(x.meanDrawdown), x.badDebt.map(usd).join(' / '), usd(x.meanBadDebt), finest && finest.meanBadDebt > 0 ? `×${(x.meanBadDebt / finest.meanBadDebt).toFixed(2)}` : '–']),
          caption: 'The same crash and population with each candle width (real highs and lows); the estimate should settle as the resolution rises.',
        },
      ],
    });
  }

  if (r.adaptive) {
    const a = r.adaptive;
    sections.push({
      id: 'adaptive',
      title: 'Adaptive resolution against full 5-minute paths',
      blocks: [
        {
          kind: 'keyValues',
          rows: [
            ['paths (same hourly path, same shapes)', String(a.paths)],
            ['mean fund drawdown 5 min / adaptive (USD)', `${usd(a.meanDrawdown5m)} / ${usd(a.meanDrawdownAdaptive)}`],
            ['P(fund draws down) 5 min / adaptive', `${pct(a.pAny5m)} / ${pct(a.pAnyAdaptive)}`],
            ['mean / max |difference| per path (USD)', `${usd(a.meanAbsDiff)} / ${usd(a.maxAbsDiff)}`],
          ],
        },
      ],
    });
  }

  if (r.agents?.length) {
    const targets = r.agents[0]?.reaching.map((x) => x.target) ?? [];
    sections.push({
      id: 'agents',
      title: "The agents' draws on the top stratum's paths",
      blocks: [
        {
          kind: 'table',
          columns: ['generator', 'paths × draws', 'variance between paths', 'drawdown per path, least – greatest over the draws (USD)', ...targets.map((t) => `paths reaching the P ≤ ${pct(t)} fund: some / every draw`)],
          numeric: [2],
          rows: r.agents.map((a) => [
            a.generator,
            `${a.paths} × ${a.draws}`,
            pct(a.betweenPaths),
            a.range.map((x) => `${usd(x.min)} – ${usd(x.max)}`).join('; '),
            ...targets.map((t) => {
              const x = a.reaching.find((y) => y.target === t);
              return x ? `${x.some} / ${x.every} (fund ${usd(x.fund)})` : '–';
            }),
          ]),
          caption:
            "The same paths, each under other draws of the same population (look intervals, edges, bids, inventory limits, noise, gas). A path reached by some draws and not others is the agents' as much as the market's: the fund rests on the population's model as well as on the paths.",
        },
      ],
    });
  }

  sections.push({
    id: 'decomposition',
    title: 'What the drawdown is made of',
    blocks: [
      {
        kind: 'table',
        columns: ['generator', ...FLOW_PARTS.map((k) => PART_NAMES[k] as string)],
        numeric: FLOW_PARTS.map((_, i) => i + 1),
        rows: r.generators.map((g) => [g.generator, ...FLOW_PARTS.map((k) => usd(g.composition[k] ?? 0))]),
        caption: `At the fund's deepest point, on the paths beyond its 99 % drawdown (weighted means, USD, cumulative to then). Drawdown = bad debt + funding paid − funding received − penalties − fees + the vault's yield loss.`,
      },
      {
        kind: 'table',
        columns: ['generator', 'bad debt alone', 'net funding paid alone', 'penalty income', 'fee income'],
        numeric: [1, 2, 3, 4],
        rows: r.generators.map((g) => [g.generator, usd(g.partsAlone.badDebt ?? 0), usd(g.partsAlone.netFundingPaid ?? 0), usd(g.partsAlone.penaltyIncome ?? 0), usd(g.partsAlone.feeIncome ?? 0)]),
        caption: `Each part sized apart: its 99.9 % quantile over ${days(last)} (USD). The vault's yield loss enters only under its stress (below).`,
      },
      ...(r.scenarios.some((s) => (s.worst[5] ?? 0) > 0)
        ? [
            {
              kind: 'table' as const,
              columns: ['crash', 'stress', 'worst seed: drawdown', 'bad debt', 'funding paid − received', 'penalties + fees', 'vault yield loss'],
              numeric: [2, 3, 4, 5, 6],
              rows: r.scenarios
                .filter((s) => (s.worst[5] ?? 0) > 0)
                .map((s) => [s.crash, s.stress, usd(s.drawdown.max), usd(s.worst[0] ?? 0), usd((s.worst[1] ?? 0) - (s.worst[2] ?? 0)), usd((s.worst[3] ?? 0) + (s.worst[4] ?? 0)), usd(s.worst[5] ?? 0)]),
              caption: "The stresses where the vault's yield source lost deposits: the worst seed's drawdown split by source, the yield loss charged to the fund when the guardian's breaker recognised it.",
            },
          ]
        : []),
    ],
  });

  if (r.scenarios.length) {
    sections.push({
      id: 'stresses',
      title: `Crashes and stresses (from ${c.paths.startPrice} USD)`,
      blocks: [
        {
          kind: 'table',
          columns: ['crash', 'stress', 'seeds', 'drawdown worst / mean (USD)', 'bad debt worst / mean (USD)', 'worst seed: bad debt / funding paid − received / penalties + fees / yield loss', 'liquidations'],
          numeric: [2, 6],
          rows: r.scenarios.map((s) => [s.crash, s.stress, s.seeds, `${usd(s.drawdown.max)} / ${usd(s.drawdown.mean)}`, `${usd(s.badDebt.max)} / ${usd(s.badDebt.mean)}`, `${usd(s.worst[0] ?? 0)} / ${usd((s.worst[1] ?? 0) - (s.worst[2] ?? 0))} / ${usd((s.worst[3] ?? 0) + (s.worst[4] ?? 0))} / ${usd(s.worst[5] ?? 0)}`, Math.round(s.liquidations)]),
        },
      ],
    });
  }

  if (r.grid.length) {
    sections.push({
      id: 'grid',
      title: 'Open interest × leverage × depth',
      blocks: [
        {
          kind: 'table',
          columns: ['cell', 'open interest (USD)', 'runs', ...c.targets.filter((t) => t >= 0.001).flatMap((t) => [`P ≤ ${pct(t)}: fund (USD)`, 'share of OI'])],
          numeric: [1, 2],
          rows: r.grid.map((g) => {
            const cells = c.targets.filter((t) => t >= 0.001).flatMap((t) => {
              const x = g.targets.find((y) => y.target === t);
              return x ? [range(x.fund, usd), pct(x.share)] : ['–', '–'];
            });
            if (g.infeasible) cells[0] = `infeasible: ${g.infeasible}`;
            return [g.cell, usd(g.openInterest), g.runs, ...cells];
          }),
          caption: `${c.paths.generators[0]} paths, stratified as the base; the stricter targets need the base's runs.`,
        },
      ],
    });
  }

  return {
    title: 'Insurance-fund sizing',
    subtitle: `${usd(r.openInterest)} USD of stated open interest on a ${usd(Number(p.depth))} USD-deep vAMM; ${r.generators.map((g) => `${g.generator} (${g.runs} runs)`).join(', ')}; ${r.scenarios.length} crash and stress scenarios.`,
    provenance: `vamm study insurance. Intervals are ${pct(c.confidence)}: stratified bootstrap for quantiles and shortfalls, Wilson or stratified normal for probabilities.`,
    sections,
  };
}
