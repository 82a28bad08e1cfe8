/**
 * Perp v1's own build: the ABI and bytecode (solc 0.6.9) of `@perp/contract@2.2.0`, read from
 * the npm package as it ships them (no compiler, no sources in this repository), plus the
 * project's read-out contract for them (PerpV1Lens, compiled by solc-js).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Abi, Hex } from 'viem';
import { type Artifact, type Artifacts, compileContracts } from '../compile.ts';

/** The contracts Perp v1's own test suite deploys, by their path in the package's build. */
const PERP_V1_CONTRACTS = {
  ClearingHouseFake: 'mock/ClearingHouseFake.sol/ClearingHouseFake.json',
  AmmFake: 'mock/AmmFake.sol/AmmFake.json',
  InsuranceFundFake: 'mock/InsuranceFundFake.sol/InsuranceFundFake.json',
  L2PriceFeedMock: 'mock/mocks/L2PriceFeedMock.sol/L2PriceFeedMock.json',
  ERC20Fake: 'mock/ERC20Fake.sol/ERC20Fake.json',
  ExchangeWrapperMock: 'mock/mocks/ExchangeWrapperMock.sol/ExchangeWrapperMock.json',
  Minter: 'Minter.sol/Minter.json',
  InflationMonitorFake: 'mock/InflationMonitorFake.sol/InflationMonitorFake.json',
} as const;

export type PerpV1ContractName = keyof typeof PERP_V1_CONTRACTS | 'PerpV1Lens';
export type PerpV1Artifacts = Record<PerpV1ContractName, Artifact>;

export class PerpV1PackageError extends Error {
  override name = 'PerpV1PackageError';
}

/** The package's version, which names the release the twin runs. */
export function perpV1PackageVersion(): string {
  return (JSON.parse(readFileSync(join(packageDir(), 'package.json'), 'utf8')) as { version: string }).version;
}

function packageDir(): string {
  try {
    return dirname(createRequire(import.meta.url).resolve('@perp/contract/package.json'));
  } catch {
    throw new PerpV1PackageError('Perp v1\'s build is not installed: run `npm install` (the dependency @perp/contract@2.2.0)');
  }
}

/** Where the project's read-out contract for Perp v1 lives (relative to contracts/). */
export const PERP_V1_LENS_DIRS: readonly string[] = ['harness/perp-v1'];

let cached: PerpV1Artifacts | null = null;

export function perpV1Artifacts(): PerpV1Artifacts {
  if (cached) return cached;
  const build = join(packageDir(), 'build', 'contracts', 'src');
  const out: Partial<Record<PerpV1ContractName, Artifact>> = {};
  for (const [name, path] of Object.entries(PERP_V1_CONTRACTS) as Array<[keyof typeof PERP_V1_CONTRACTS, string]>) {
    const json = JSON.parse(readFileSync(join(build, path), 'utf8')) as { abi: Abi; bytecode: Hex; deployedBytecode: Hex; linkReferences: object };
    if (Object.keys(json.linkReferences).length > 0) throw new PerpV1PackageError(`${name} needs linked libraries, which this harness does not link`);
    out[name] = { abi: json.abi, bytecode: json.bytecode, deployedSize: (json.deployedBytecode.length - 2) / 2 };
  }
  const lens: Artifacts = compileContracts({ quiet: true, dirs: PERP_V1_LENS_DIRS });
  out.PerpV1Lens = lens.PerpV1Lens as Artifact;
  cached = out as PerpV1Artifacts;
  return cached;
}
