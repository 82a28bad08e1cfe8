/**
 * The replay's prepared function codec (contracts/harness/function-codec.ts) against viem: random
 * ABI types (numbers of every width, signed and not, bool, address, fixed and dynamic bytes,
 * string, named and unnamed tuples, fixed and dynamic arrays, nested) with random values, encoded
 * by viem and decoded by both; the lens's own outputs the same way; calls encoded as viem does;
 * and data that is too short or malformed refused.
 */
import fc from 'fast-check';
import { type Abi, type AbiFunction, type AbiParameter, decodeAbiParameters, encodeAbiParameters, encodeFunctionData, getAddress, toHex } from 'viem';
import { describe, expect, it } from 'vitest';
import { compileContracts } from '../contracts/harness/compile.ts';
import { compileDecoder, functionCodec } from '../contracts/harness/function-codec.ts';

type Typed = { readonly param: AbiParameter; readonly value: fc.Arbitrary<unknown> };

const numberTypes = [8, 16, 32, 40, 48, 56, 64, 128, 256].flatMap((bits) => [`uint${bits}`, `int${bits}`]);

function numberValue(type: string): fc.Arbitrary<unknown> {
  const signed = type.startsWith('int');
  const bits = Number(type.slice(signed ? 3 : 4));
  const big = signed ? fc.bigInt(-(1n << BigInt(bits - 1)), (1n << BigInt(bits - 1)) - 1n) : fc.bigInt(0n, (1n << BigInt(bits)) - 1n);
  return bits <= 48 ? big.map(Number) : big;
}

const leaf: fc.Arbitrary<Typed> = fc.oneof(
  fc.constantFrom(...numberTypes).map((type) => ({ param: { type }, value: numberValue(type) })),
  fc.constant({ param: { type: 'bool' }, value: fc.boolean() }),
  fc.constant({ param: { type: 'address' }, value: fc.uint8Array({ minLength: 20, maxLength: 20 }).map((b) => getAddress(toHex(b))) }),
  fc.integer({ min: 1, max: 32 }).map((n) => ({ param: { type: `bytes${n}` }, value: fc.uint8Array({ minLength: n, maxLength: n }).map((b) => toHex(b)) })),
  fc.constant({ param: { type: 'bytes' }, value: fc.uint8Array({ maxLength: 70 }).map((b) => toHex(b)) }),
  fc.constant({ param: { type: 'string' }, value: fc.string({ maxLength: 40 }) }),
);

const typed: fc.Arbitrary<Typed> = fc.letrec<{ node: Typed }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    // tuples, with names (an object) or without (an array)
    fc.tuple(fc.array(tie('node'), { minLength: 1, maxLength: 4 }), fc.boolean()).map(([parts, named]) => ({
      param: { type: 'tuple', components: parts.map((p, i) => ({ ...p.param, ...(named ? { name: `f${i}` } : {}) })) } as AbiParameter,
      value: named
        ? fc.tuple(...parts.map((p) => p.value)).map((vs) => Object.fromEntries(vs.map((v, i) => [`f${i}`, v])))
        : fc.tuple(...parts.map((p) => p.value)),
    })),
    // dynamic and fixed arrays
    fc.tuple(tie('node'), fc.option(fc.integer({ min: 1, max: 3 }), { nil: undefined })).map(([element, fixed]) => ({
      param: { ...element.param, type: `${element.param.type}[${fixed ?? ''}]` } as AbiParameter,
      value: fc.array(element.value, fixed === undefined ? { maxLength: 4 } : { minLength: fixed, maxLength: fixed }),
    })),
  ),
})).node;

/** Values drawn for a list of parameters. */
const valuesOf = (params: readonly Typed[]) => fc.tuple(...params.map((p) => p.value));

describe('function codec (contracts/harness/function-codec.ts)', () => {
  it('decodes random ABI types and values exactly as viem does', () => {
    fc.assert(
      fc.property(
        fc.array(typed, { minLength: 1, maxLength: 4 }).chain((params) => fc.tuple(fc.constant(params), valuesOf(params))),
        ([params, values]) => {
          const abiParams = params.map((p) => p.param);
          const data = encodeAbiParameters(abiParams, values as never);
          expect(compileDecoder(abiParams)(data)).toEqual(decodeAbiParameters(abiParams, data));
        },
      ),
      { numRuns: 400 },
    );
  });

  it("decodes the lens's answers and encodes calls as viem does", () => {
    const artifacts = compileContracts({ quiet: true });
    const abi = artifacts.ProtocolLens!.abi as Abi;
    for (const name of ['state', 'stateOf', 'positionViews']) {
      const item = abi.find((x): x is AbiFunction => x.type === 'function' && x.name === name)!;
      // every output leaf drawn at random, through the same generator as above
      const toTyped = (p: AbiParameter): Typed => {
        const array = /^(.*)\[(\d*)\]$/.exec(p.type);
        if (array) {
          const element = toTyped({ ...p, type: array[1]! } as AbiParameter);
          return { param: p, value: fc.array(element.value, array[2] ? { minLength: Number(array[2]), maxLength: Number(array[2]) } : { maxLength: 3 }) };
        }
        if (p.type === 'tuple') {
          const parts = (p as { components: readonly AbiParameter[] }).components.map(toTyped);
          return { param: p, value: fc.tuple(...parts.map((x) => x.value)).map((vs) => Object.fromEntries(vs.map((v, i) => [parts[i]!.param.name!, v]))) };
        }
        if (p.type === 'address') return { param: p, value: fc.uint8Array({ minLength: 20, maxLength: 20 }).map((b) => getAddress(toHex(b))) };
        if (p.type === 'bool') return { param: p, value: fc.boolean() };
        if (/^bytes\d+$/.test(p.type)) {
          const n = Number(p.type.slice(5));
          return { param: p, value: fc.uint8Array({ minLength: n, maxLength: n }).map((b) => toHex(b)) };
        }
        return { param: p, value: numberValue(p.type) };
      };
      const outputs = item.outputs.map(toTyped);
      const codec = functionCodec(abi, name);
      fc.assert(
        fc.property(valuesOf(outputs), (values) => {
          const data = encodeAbiParameters(item.outputs, values as never);
          const expected = decodeAbiParameters(item.outputs, data);
          expect(codec.decode(data)).toEqual(expected.length > 1 ? expected : expected[0]);
        }),
        { numRuns: 30 },
      );
      const args = item.inputs.map((p) => (p.type === 'address' ? '0x00000000000000000000000000000000000d3910' : ['0x000000000000000000000000000000000000ce11']));
      expect(codec.encode(args)).toBe(encodeFunctionData({ abi, functionName: name, args } as never));
    }
  });

  it('refuses data too short for its types, malformed bools and arrays longer than the data', () => {
    const decode = compileDecoder([{ type: 'uint256' }, { type: 'uint256[]' }]);
    const data = encodeAbiParameters([{ type: 'uint256' }, { type: 'uint256[]' }], [5n, [1n, 2n, 3n]]);
    expect(decode(data)).toEqual([5n, [1n, 2n, 3n]]);
    expect(() => decode(data.slice(0, -64) as `0x${string}`)).toThrow(/too short/);
    const huge = `${data.slice(0, 2 + 128)}${(10n ** 9n).toString(16).padStart(64, '0')}` as `0x${string}`;
    expect(() => decode(huge)).toThrow(/longer than the data/);
    expect(() => compileDecoder([{ type: 'bool' }])(`0x${'0'.repeat(63)}2`)).toThrow(/not a bool/);
    expect(() => compileDecoder([{ type: 'uint256' }])('1234' as `0x${string}`)).toThrow(/0x-prefixed/);
    expect(() => compileDecoder([{ type: 'fixed128x18' }])).toThrow(/no decoder/);
    const overloaded = [0, 1].map((n) => ({ type: 'function', name: 'f', stateMutability: 'view', inputs: new Array(n).fill({ type: 'uint256' }), outputs: [] })) as Abi;
    expect(() => functionCodec(overloaded, 'f')).toThrow(/overloaded/);
  });
});
