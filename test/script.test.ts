/**
 * The scripted-scenario format: located errors for bad input (file, line, column, field and
 * reason, all of them at once), expectations and expected reverts, and the `vamm script`
 * command end to end.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InputError, InputErrors } from '../data/input-error.ts';
import { parseScript } from '../scenarios/script-loader.ts';
import { applyAction, buildWorld, runScript } from '../scenarios/script-runner.ts';
import { toWei } from '../sim/math/units.ts';

const base = {
  name: 't',
  profile: 'default',
  markets: [{ id: 'ETH', quoteReserve: '200000', baseReserve: '100', indexPrice: '2000' }],
  wallets: { alice: '1000' },
};
const script = (steps: unknown[], extra: object = {}) => JSON.stringify({ ...base, ...extra, steps }, null, 2);

function errorsOf(text: string): InputError[] {
  try {
    parseScript(text, 'case.json');
  } catch (e) {
    if (e instanceof InputErrors) return [...e.errors];
    if (e instanceof InputError) return [e];
    throw e;
  }
  throw new Error('expected the script to be rejected');
}

describe('script loader', () => {
  it('locates a JSON syntax error', () => {
    const [e] = errorsOf('{\n  "name": "t",\n  "profile": "default"\n  "markets": []\n}');
    expect(e!.location).toMatchObject({ file: 'case.json', line: 4, column: 3 });
    expect(e!.message).toMatch(/case\.json:4:3: invalid JSON: expected ',' or '}'/);
  });

  it('names the line, column and field of a bad amount', () => {
    const text = script([{ deposit: { trader: 'alice', amount: '10' } }, { openPosition: { trader: 'alice', market: 'ETH', side: 'long', margin: '12.3.4', leverage: '2' } }]);
    const [e] = errorsOf(text);
    const line = text.split('\n').findIndex((l) => l.includes('12.3.4')) + 1;
    expect(e!.location).toMatchObject({ line, field: 'steps[1].openPosition.margin' });
    expect(e!.reason).toMatch(/not a decimal number/);
  });

  it('reports every problem in one pass', () => {
    const errors = errorsOf(
      script([
        { opn: { trader: 'alice' } },
        { openPosition: { trader: 'alice', market: 'BTC', side: 'up', margin: '1', leverage: '2' } },
        { advance: {} },
        { deposit: { trader: 'alice', amount: 0.5 } },
      ]),
    );
    const text = errors.map((e) => e.message).join('\n');
    expect(text).toMatch(/steps\[0\]\.opn: unknown action "opn" \(actions: advance, /);
    expect(text).toMatch(/steps\[1\]\.openPosition\.side: /);
    expect(text).toMatch(/steps\[2\]\.advance: give seconds, blocks or toNextFundingTime/);
    expect(text).toMatch(/steps\[3\]\.deposit\.amount: write 0\.5 as a decimal string/);
    expect(errors.length).toBe(4);
  });

  it('rejects an unknown market, a duplicate key and a negative ratio', () => {
    expect(errorsOf(script([{ closePosition: { trader: 'alice', market: 'BTC' } }]))[0]!.message).toMatch(/unknown market "BTC"/);
    expect(errorsOf('{"name": "a", "name": "b"}')[0]!.message).toMatch(/duplicate key "name"/);
    const bad = errorsOf(script([], { markets: [{ id: 'ETH', quoteReserve: '1', baseReserve: '1', tradeLimitRatio: '1.5' }] }));
    expect(bad[0]!.message).toMatch(/markets\[0\]\.tradeLimitRatio: a ratio must be between 0 and 1/);
  });

  it('requires invariants off for direct AMM swaps', () => {
    const [e] = errorsOf(script([{ ammSwapInput: { market: 'ETH', dir: 'ADD', quote: '1' } }]));
    expect(e!.message).toMatch(/set "invariants": false/);
  });
});

describe('script runner', () => {
  it('checks expectations and expected reverts, and that a revert changes nothing', () => {
    const run = runScript(
      parseScript(
        script([
          { deposit: { trader: 'alice', amount: '1000' } },
          { openPosition: { trader: 'alice', market: 'ETH', side: 'long', margin: '100', leverage: '50' }, expectRevert: 'MarginRatioNotMet' },
          { openPosition: { trader: 'alice', market: 'ETH', side: 'long', margin: '100', leverage: '5' }, expect: { 'accounts.alice.collateral': '999500000000000000000' } },
          { closePosition: { trader: 'alice', market: 'ETH' }, expectRevert: 'BadDebt' },
          { expect: { 'markets.ETH.open': true, 'tokens.alice': '1' } },
        ]),
      ),
    );
    expect(run.steps.map((s) => s.ok)).toEqual([true, false, true, true, true]);
    expect(run.failures).toEqual([
      'step 3 (closePosition): expected a revert with BadDebt, but it succeeded',
      'step 4 (expect): tokens.alice expected "1", got "0"',
    ]);
    expect(run.invariants?.ledger.violations).toBe(0);
  });
});

describe('script format for Perp v1 checks', () => {
  const v1 = { name: 't', profile: 'perp-v1', markets: [{ id: 'ETH', quoteReserve: '1000', baseReserve: '100', indexPrice: '10', fluctuationLimitRatio: '0' }], wallets: { alice: '1000', bob: '1000000' } };
  const v1Script = (steps: unknown[]) => JSON.stringify({ ...v1, steps }, null, 2);
  const underwater = [
    { openPosition: { trader: 'alice', market: 'ETH', side: 'long', margin: '10', leverage: '10' } },
    { advance: { seconds: 15 } },
    { openPosition: { trader: 'bob', market: 'ETH', side: 'short', margin: '500', leverage: '1' } },
  ];

  it('expectRevert accepts Perp v1’s revert string as well as the reason and the message', () => {
    const run = runScript(parseScript(v1Script([...underwater, { closePosition: { trader: 'alice', market: 'ETH' }, expectRevert: 'bad debt' }])));
    expect(run.failures).toEqual([]);
    expect(run.steps[3]!.revert).toMatchObject({ reason: 'BadDebt', legacyReason: 'bad debt' });
  });

  it('reads the amounts a revert carries and the mark TWAP over a chosen interval as paths', () => {
    const probe = runScript(parseScript(v1Script([...underwater, { closePosition: { trader: 'alice', market: 'ETH' } }])));
    const badDebt = probe.steps[3]!.revert!.values.badDebt!;
    expect(BigInt(badDebt)).toBeGreaterThan(0n);
    const spot = (i: number) => BigInt((probe.steps[i]!.state.markets as Record<string, { spotPrice: string }>).ETH!.spotPrice);
    const run = runScript(
      parseScript(
        v1Script([
          ...underwater,
          { closePosition: { trader: 'alice', market: 'ETH' }, expectRevert: 'BadDebt', expect: { 'revert.badDebt': badDebt, 'revert.reason': 'BadDebt' } },
          // alice's price for 15 s, then bob's for 15 s: the last 15 s see bob's, the last 30 s both.
          { advance: { seconds: 15 }, expect: { 'markets.ETH.markTwap.15': String(spot(2)), 'markets.ETH.markTwap.30': String((spot(0) + spot(2)) / 2n), 'markets.ETH.markTwap.0': String(spot(2)) } },
          { expect: { 'revert.badDebt': '1' } },
        ]),
      ),
    );
    expect(run.failures).toEqual(['step 5 (expect): revert.badDebt expected "1", but the step did not revert']);
  });

  it('setClearingHouseParams changes only the parameters it names: the header\'s others and the release stay', () => {
    const header = { clearingHouse: { release: '2.2.0', initMarginRatio: '0.2', maintenanceMarginRatio: '0.05' } };
    const world = buildWorld(parseScript(JSON.stringify({ ...v1, ...header, steps: [] })));
    applyAction(world, { name: 'setClearingHouseParams', args: { liquidationFeeRatio: toWei('0.05') } });
    const p = world.ch.params;
    expect(p.liquidationFeeRatio).toBe(toWei('0.05'));
    expect([p.initMarginRatio, p.maintenanceMarginRatio, p.release]).toEqual([toWei('0.2'), toWei('0.05'), '2.2.0']);
  });

  it('takes oracle prices with 18 decimals where the feed does (perp-v1), and 8 under default', () => {
    const price = '10.123456789012345678';
    const run = runScript(parseScript(v1Script([{ setOraclePrice: { market: 'ETH', price }, expect: { 'markets.ETH.indexPrice': '10123456789012345678' } }])));
    expect(run.failures).toEqual([]);
    const [e] = errorsOf(script([{ setOraclePrice: { market: 'ETH', price } }]));
    expect(e!.message).toMatch(/steps\[0\]\.setOraclePrice\.price: the default index feed takes at most 8 decimals/);
  });

  it('a misspelt expectation path is an error naming the path, before anything runs', () => {
    const errors = errorsOf(
      v1Script([
        ...underwater,
        {
          expect: {
            'markets.ETH.quoteReserv': '1',
            'acounts.alice.collateral': '1',
            'accounts.alcie.positions.ETH.size': '1',
            'events.PositionLiquidate.badDebt': '1',
            'markets.ETH.markTwap.soon': '1',
          },
        },
      ]),
    );
    const text = errors.map((e) => e.message).join('\n');
    expect(errors).toHaveLength(5);
    expect(text).toMatch(/no such expectation path "markets\.ETH\.quoteReserv": unknown market field "quoteReserv" \(quoteReserve, /);
    expect(text).toMatch(/"acounts\.alice\.collateral": unknown field "acounts"/);
    expect(text).toMatch(/"accounts\.alcie\.positions\.ETH\.size": unknown account "alcie" \(alice, bob\)/);
    expect(text).toMatch(/unknown event type "PositionLiquidate"/);
    expect(text).toMatch(/markTwap needs the interval in seconds/);
    expect(errors[0]!.location.line).toBeGreaterThan(1);
  });

  it('a misspelt field of an event or a result is reported when the step runs', () => {
    const text = v1Script([{ openPosition: { trader: 'alice', market: 'ETH', side: 'long', margin: '10', leverage: '2' }, expect: { 'events.PositionChanged.sizeAfter': '1' } }]);
    expect(() => runScript(parseScript(text, 'x.json'))).toThrow(/x\.json: steps\[0\]\.expect\.events\.PositionChanged\.sizeAfter: no such expectation path .*has no field "sizeAfter" \(fields: .*positionSizeAfter/);
  });
});

describe('vamm script (CLI)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vamm-script-'));
  const cli = (...args: string[]) =>
    spawnSync(process.execPath, [join(import.meta.dirname, '..', 'bin', 'vamm.mjs'), ...args], { encoding: 'utf8', timeout: 60_000 });

  it('prints one JSON line of state per step and writes the whole run with --out', () => {
    const file = join(import.meta.dirname, 'vectors', 'tsunami-example.json');
    const out = join(dir, 'run.json');
    const r = cli('script', file, '--out', out, '--quiet');
    expect(r.status).toBe(0);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toHaveLength(2);
    expect(lines[1].state.markets.WAVES.quoteReserve).toBe('9300000000000000000000');
    expect(r.stderr).toBe('');
    expect(JSON.parse(readFileSync(out, 'utf8')).steps).toHaveLength(2);
  });

  it('exits 1 when an expectation fails and 2 on bad input, naming the place', () => {
    const failing = join(dir, 'failing.json');
    writeFileSync(failing, script([{ expect: { 'markets.ETH.open': false } }]));
    const r1 = cli('script', failing, '--summary');
    expect(r1.status).toBe(1);
    expect(r1.stdout).toMatch(/markets\.ETH\.open expected false, got true/);
    const broken = join(dir, 'broken.json');
    writeFileSync(broken, script([{ deposit: { trader: 'alice', amount: 'ten' } }]));
    const r2 = cli('script', broken);
    expect(r2.status).toBe(2);
    expect(r2.stderr).toMatch(/broken\.json:\d+:\d+: steps\[0\]\.deposit\.amount: "ten" is not a decimal number/);
    expect(r2.stdout).toBe('');
    const misspelt = join(dir, 'misspelt.json');
    writeFileSync(misspelt, script([{ expect: { 'markets.ETH.opne': true } }]));
    const r3 = cli('script', misspelt);
    expect(r3.status).toBe(2);
    expect(r3.stderr).toMatch(/misspelt\.json:\d+:\d+: steps\[0\]\.expect\.markets\.ETH\.opne: no such expectation path "markets\.ETH\.opne"/);
  });
});

describe('README', () => {
  it('its scripted-scenario example runs with every expectation met', () => {
    const readme = readFileSync(join(import.meta.dirname, '..', 'README.md'), 'utf8');
    const example = /## Scripted scenarios[\s\S]*?```json\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(example).toBeDefined();
    const run = runScript(parseScript(example!, 'README.md'));
    expect(run.failures).toEqual([]);
    expect(run.steps.flatMap((s) => s.expectations).length).toBeGreaterThanOrEqual(3);
  });

  it('its demo scenario runs with every expectation met', () => {
    const run = runScript(parseScript(readFileSync(join(import.meta.dirname, '..', 'scenarios', 'scripts', 'whale-liquidation.json'), 'utf8')));
    expect(run.failures).toEqual([]);
    expect(run.steps.flatMap((s) => s.events).some((e) => (e as { type: string }).type === 'SocialisedLoss')).toBe(true);
  });
});
