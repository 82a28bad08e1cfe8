/**
 * Objects the model and the engine build once per run or on rare paths keep one hidden class
 * whichever way and in whichever tier they are built: a class first met late (a worker's 28th
 * or 48th run) throws every optimised reader of it back to the interpreter and V8 compiles them
 * again on the cores the other worker needs (docs/PERFORMANCE.md: the batch's late
 * deoptimisations, twelfth session). V8 answers through its natives syntax, so the checks run
 * in a child process started with `--allow-natives-syntax`.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');

const probe = `
const at = (p) => import(${JSON.stringify(`${root}/`)} + p);
const { packedMap } = await at('sim/engine/packed-map.ts');
const { emptyPosition, positionWith } = await at('sim/position.ts');
const { ownClearingHouseParams, profileByName } = await at('sim/params.ts');
const { ClearingHouse } = await at('sim/clearing-house.ts');
const { createClock } = await at('sim/clock.ts');
const { toWei } = await at('sim/math/units.ts');
const { objectList } = await at('sim/engine/object-list.ts');
const { SummaryBuilder } = await at('sim/engine/summary.ts');
const same = new Function('a', 'b', 'return %HaveSameMap(a, b)');
const holey = new Function('a', 'return %HasHoleyElements(a)');
const prepare = new Function('f', '%PrepareFunctionForOptimization(f)');
const optimiseNext = new Function('f', '%OptimizeFunctionOnNextCall(f)');
const status = new Function('f', 'return %GetOptimizationStatus(f)');
const TURBOFANNED = 1 << 6;
/** \`call\` after \`f\` is optimised by TurboFan (\`call\` calls \`f\`). */
function optimised(f, call = f) {
  prepare(f);
  call();
  call();
  optimiseNext(f);
  const r = call();
  return { result: r, turbofanned: (status(f) & TURBOFANNED) !== 0 };
}
const xs = [1, 2, 3];
const viaMap = optimised(() => xs.map((x) => x * 2));
const viaPacked = optimised(packedMap, () => packedMap(xs, (x) => x * 2));

const house = (clearingHouse) => {
  const profile = profileByName('default');
  const ch = new ClearingHouse(createClock(1_700_000_000, 100), { ...profile, clearingHouse: clearingHouse(profile.clearingHouse) });
  ch.addMarket({ id: 'ETH', quoteReserve: toWei('100000'), baseReserve: toWei('50'), indexPrice: toWei('2000'), params: { fluctuationLimitRatio: 0n } });
  return ch;
};
const ch = house((p) => p);
ch.mint('alice', toWei('10000'));
ch.deposit('alice', toWei('5000'));
ch.openPosition({ trader: 'alice', market: 'ETH', side: 'long', margin: toWei('500'), leverage: toWei('4') });
const opened = ch.position('alice', 'ETH');
// The same parameters from a source of another class (rebuilt key by key).
const rebuilt = house((p) => Object.fromEntries(Object.entries(p)));
// The copy as an optimised constructor would make it (a spread there took another class than in the interpreter).
const ownCopy = optimised(ownClearingHouseParams, () => ownClearingHouseParams(profileByName('default').clearingHouse));
// An array once it holds an object (the kind a list of events takes at its first push).
const holdingObject = () => {
  const a = [];
  a.push([1, 'x']);
  return a;
};
const list = objectList();
const listBefore = same(list, holdingObject());
list.push([2, 'y']);
const summary = new SummaryBuilder();
const summaryLists = ['badDebtEvents', 'drawdownHighs', 'migrations', 'adminFailures'];
const summaryListsBefore = summaryLists.map((k) => same(summary[k], holdingObject()));
summary.write({ type: 'BadDebt', blockNumber: 1, timestamp: 1_700_000_000, amount: 5n, coveredByInsuranceFund: 5n, socialised: 0n, uncovered: 0n });
console.log(JSON.stringify({
  emptyLiteralHoldsObjects: same([], holdingObject()),
  objectListHoldsObjects: listBefore,
  objectListAfterPush: same(list, holdingObject()),
  objectListLength: list.length,
  summaryListsBefore,
  summaryBadDebtAfter: same(summary.badDebtEvents, holdingObject()),
  summaryBadDebtEvents: summary.result().badDebt.events,
  mapOptimisedTurbofanned: viaMap.turbofanned,
  mapOptimisedHoley: holey(viaMap.result),
  packedOptimisedTurbofanned: viaPacked.turbofanned,
  packedOptimisedHoley: holey(viaPacked.result),
  packedInterpretedHoley: holey(packedMap(xs, (x) => x)),
  packedValues: packedMap(xs, (x, i) => x * 10 + i),
  spreadSameAsOpened: same(opened, { ...opened, margin: 1n }),
  positionWithSameAsOpened: [
    positionWith(opened, { margin: 1n }),
    positionWith(opened, { size: 2n, liquidityHistoryIndex: 3 }),
    positionWith(opened, { margin: 1n, lastCumulativePremiumFraction: 2n, lastLossIndex: 3n }),
    positionWith(opened, { margin: 1n, isolated: true }),
    emptyPosition(7, true),
  ].map((p) => same(opened, p)),
  positionWithFields: positionWith(opened, { size: 2n, isolated: true }),
  paramsSameWhateverTheSource: same(ch.params, rebuilt.params),
  paramsSameAsOwnCopy: same(ch.params, ownCopy.result),
  ownCopyTurbofanned: ownCopy.turbofanned,
  paramsEqual: JSON.stringify(ch.params, (_k, v) => (typeof v === 'bigint' ? String(v) : v)) === JSON.stringify(rebuilt.params, (_k, v) => (typeof v === 'bigint' ? String(v) : v)),
}, (_k, v) => (typeof v === 'bigint' ? String(v) : v)));
`;

let r: Record<string, unknown>;
beforeAll(() => {
  const child = spawnSync(process.execPath, ['--allow-natives-syntax', '--import', 'tsx', '--input-type=module', '-e', probe], { cwd: root, encoding: 'utf8', timeout: 60_000 });
  expect(child.stderr).toBe('');
  r = JSON.parse(child.stdout.trim().split('\n').at(-1) as string);
});

describe('hidden classes that stay the same', () => {
  it('packedMap gives a packed array in the interpreter and optimised (Array.prototype.map, inlined in optimised code, gives a holey one)', () => {
    expect(r.mapOptimisedTurbofanned).toBe(true);
    expect(r.mapOptimisedHoley).toBe(true);
    expect(r.packedOptimisedTurbofanned).toBe(true);
    expect(r.packedOptimisedHoley).toBe(false);
    expect(r.packedInterpretedHoley).toBe(false);
    expect(r.packedValues).toEqual([10, 21, 32]);
  });

  it('a position rebuilt with some fields replaced shares the class of one the model opened (a spread would not)', () => {
    expect(r.spreadSameAsOpened).toBe(false);
    expect(r.positionWithSameAsOpened).toEqual([true, true, true, true, true]);
    const opened = r.positionWithFields as Record<string, unknown>;
    expect(Object.keys(opened)).toEqual(['size', 'margin', 'openNotional', 'lastCumulativePremiumFraction', 'lastLossIndex', 'liquidityHistoryIndex', 'blockNumber', 'isolated']);
    expect(opened.size).toBe('2');
    expect(opened.isolated).toBe(true);
  });

  it("objectList's arrays, and the summary's lists of rare events, hold objects before their first push (an empty literal does not)", () => {
    expect(r.emptyLiteralHoldsObjects).toBe(false);
    expect(r.objectListHoldsObjects).toBe(true);
    expect(r.objectListAfterPush).toBe(true);
    expect(r.objectListLength).toBe(1);
    expect(r.summaryListsBefore).toEqual([true, true, true, true]);
    expect(r.summaryBadDebtAfter).toBe(true);
    expect(r.summaryBadDebtEvents).toEqual([[1_700_000_000, '0.000000000000000005']]);
  });

  it("a clearing house's parameters take one class whatever the class of the profile's and the tier that copies them", () => {
    expect(r.paramsEqual).toBe(true);
    expect(r.paramsSameWhateverTheSource).toBe(true);
    expect(r.ownCopyTurbofanned).toBe(true);
    expect(r.paramsSameAsOwnCopy).toBe(true);
  });
});
