/**
 * Calls and answers of one contract function, prepared once. viem looks a function up by name
 * (and hashes its signature) on every encodeFunctionData, and decodes through a byte cursor that
 * converts every word from hex to bytes and back: the lens's answer cost 0.1–0.25 ms per block,
 * a fifth of the replay's own CPU. Here the selector is computed once (viem's own prepared form)
 * and answers are decoded by a decoder compiled from the function's outputs, reading 32-byte
 * words straight from the hex string. Its values are viem's (bigint above 48 bits, number at or
 * below, checksummed addresses, named tuples as objects); test/function-codec.test.ts holds it
 * equal to decodeAbiParameters on random values of every supported type.
 */
import { type Abi, type AbiFunction, type AbiParameter, type Hex, checksumAddress, encodeFunctionData, prepareEncodeFunctionData } from 'viem';

export interface FunctionCodec {
  /** The call's data: selector and arguments. */
  encode(args: readonly unknown[]): Hex;
  /** The answer's values: as viem's decodeFunctionResult (one output: the value itself). */
  decode(data: Hex): unknown;
}

/** Reads one parameter at a head slot (`at`, a character index) of a sequence starting at `base`. */
interface ParamDecoder {
  readonly dynamic: boolean;
  /** Head slots the parameter takes where it is static (a dynamic one takes one: its offset). */
  readonly words: number;
  read(hex: string, at: number, base: number): unknown;
}

const WORD = 64;

function word(hex: string, at: number): string {
  if (at + WORD > hex.length) throw new RangeError(`ABI data too short: a word at byte ${(at - 2) / 2} of ${(hex.length - 2) / 2}`);
  return hex.slice(at, at + WORD);
}

function offset(hex: string, at: number, base: number): number {
  const n = Number.parseInt(word(hex, at), 16);
  if (!Number.isSafeInteger(n) || n % 32 !== 0) throw new RangeError(`ABI data: offset ${word(hex, at)} at byte ${(at - 2) / 2} is not a word boundary`);
  return base + 2 * n;
}

/** A dynamic value's tail: where its length word is, and the length it holds. */
function tailOf(hex: string, at: number, base: number): { start: number; length: number } {
  const start = offset(hex, at, base);
  return { start, length: Number.parseInt(word(hex, start), 16) };
}

function readSequence(parts: readonly ParamDecoder[], hex: string, start: number): unknown[] {
  const out = new Array<unknown>(parts.length);
  let at = start;
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i]!;
    out[i] = p.read(hex, at, start);
    at += (p.dynamic ? 1 : p.words) * WORD;
  }
  return out;
}

function staticWords(parts: readonly ParamDecoder[]): number {
  let n = 0;
  for (const p of parts) n += p.words;
  return n;
}

/** A word whose first 51 hex digits are zero holds a safe integer in its last 13 (52 bits). */
const HIGH_ZEROS = '0'.repeat(WORD - 13);

/** An unsigned word's value: most are small, and a double parses faster than a 256-bit bigint. */
function unsignedWord(hex: string, at: number): bigint {
  if (hex.startsWith(HIGH_ZEROS, at) && at + WORD <= hex.length) return BigInt(Number.parseInt(hex.slice(at + WORD - 13, at + WORD), 16));
  return BigInt(`0x${word(hex, at)}`);
}

function numberDecoder(type: string): ParamDecoder {
  const signed = type.startsWith('int');
  const bits = Number(type.slice(signed ? 3 : 4) || '256');
  const small = bits <= 48;
  return {
    dynamic: false,
    words: 1,
    read(hex, at) {
      let v = unsignedWord(hex, at);
      if (signed) v = BigInt.asIntN(256, v);
      return small ? Number(v) : v;
    },
  };
}

/** Checksummed addresses by lower-case hex: the few a protocol has recur in every answer. */
const checksummed = new Map<string, Hex>();

function addressWord(hex: string, at: number): Hex {
  const lower = word(hex, at).slice(24);
  let address = checksummed.get(lower);
  if (address === undefined) {
    if (checksummed.size >= 100_000) checksummed.clear();
    address = checksumAddress(`0x${lower}`);
    checksummed.set(lower, address);
  }
  return address;
}

function tupleDecoder(components: readonly ParamDecoder[], names: readonly (string | undefined)[]): ParamDecoder {
  const named = names.length > 0 && names.every((n) => n);
  const shape = (values: unknown[]): unknown => {
    if (!named) return values;
    const o: Record<string, unknown> = {};
    for (let i = 0; i < values.length; i++) o[names[i]!] = values[i];
    return o;
  };
  const dynamic = components.some((c) => c.dynamic);
  return dynamic
    ? { dynamic, words: 1, read: (hex, at, base) => shape(readSequence(components, hex, offset(hex, at, base))) }
    : { dynamic, words: staticWords(components), read: (hex, at) => shape(readSequence(components, hex, at)) };
}

function paramDecoder(param: AbiParameter): ParamDecoder {
  const array = /^(.*)\[(\d*)\]$/.exec(param.type);
  if (array) {
    const element = paramDecoder({ ...param, type: array[1]! } as AbiParameter);
    if (array[2] === '') {
      return {
        dynamic: true,
        words: 1,
        read(hex, at, base) {
          const { start, length } = tailOf(hex, at, base);
          if (length > (hex.length - start) / 2) throw new RangeError(`ABI data: an array of ${length} elements at byte ${(start - 2) / 2} is longer than the data`);
          return readSequence(new Array<ParamDecoder>(length).fill(element), hex, start + WORD);
        },
      };
    }
    const parts = new Array<ParamDecoder>(Number(array[2])).fill(element);
    return tupleDecoder(parts, []);
  }
  const { type } = param;
  if (type === 'tuple') {
    const components = (param as { components: readonly AbiParameter[] }).components;
    return tupleDecoder(components.map(paramDecoder), components.map((c) => c.name));
  }
  if (type.startsWith('uint') || type.startsWith('int')) return numberDecoder(type);
  if (type === 'address') return { dynamic: false, words: 1, read: addressWord };
  if (type === 'bool') {
    return {
      dynamic: false,
      words: 1,
      read(hex, at) {
        const w = word(hex, at);
        if (!/^0{63}[01]$/.test(w)) throw new RangeError(`ABI data: ${w} at byte ${(at - 2) / 2} is not a bool`);
        return w.endsWith('1');
      },
    };
  }
  if (type === 'bytes' || type === 'string') {
    return {
      dynamic: true,
      words: 1,
      read(hex, at, base) {
        const { start, length } = tailOf(hex, at, base);
        const end = start + WORD + 2 * length;
        if (end > hex.length) throw new RangeError(`ABI data too short: ${type} of ${length} bytes at byte ${(start - 2) / 2}`);
        const body = hex.slice(start + WORD, end);
        return type === 'bytes' ? `0x${body}` : Buffer.from(body, 'hex').toString('utf8');
      },
    };
  }
  const fixedBytes = /^bytes(\d+)$/.exec(type);
  if (fixedBytes) return { dynamic: false, words: 1, read: (hex, at) => `0x${word(hex, at).slice(0, 2 * Number(fixedBytes[1]))}` };
  throw new TypeError(`no decoder for ABI type ${type}`);
}

/** Decodes ABI-encoded values of `params` (as viem's decodeAbiParameters). */
export function compileDecoder(params: readonly AbiParameter[]): (data: Hex) => unknown[] {
  const parts = params.map(paramDecoder);
  return (data) => {
    if (!data.startsWith('0x')) throw new TypeError('ABI data must be a 0x-prefixed hex string');
    return readSequence(parts, data.toLowerCase(), 2);
  };
}

const codecs = new WeakMap<Abi, Map<string, FunctionCodec>>();

/** The codec of `functionName` in `abi`, built on first use and kept with the ABI. */
export function functionCodec(abi: Abi, functionName: string): FunctionCodec {
  let byName = codecs.get(abi);
  if (!byName) codecs.set(abi, (byName = new Map()));
  const known = byName.get(functionName);
  if (known) return known;
  // Prepared by name alone: an overloaded name would need the arguments to choose (viem's getAbiItem).
  const overloads = abi.filter((x) => x.type === 'function' && x.name === functionName).length;
  if (overloads > 1) throw new TypeError(`${functionName} is overloaded (${overloads} functions): the codec is prepared by name`);
  const prepared = prepareEncodeFunctionData({ abi, functionName } as never);
  const item = prepared.abi[0] as AbiFunction;
  const decode = compileDecoder(item.outputs);
  const codec: FunctionCodec = {
    encode: (args) => encodeFunctionData({ ...prepared, args } as never),
    decode(data) {
      const values = decode(data);
      return values.length > 1 ? values : values[0];
    },
  };
  byName.set(functionName, codec);
  return codec;
}
