/**
 * Compiles the contracts once before any test file runs (a cache hit costs a hash of the
 * sources): on a loaded machine a first compile takes minutes, which must not count against the
 * timeout of whichever test happens to need the contracts first.
 */
import { compileContracts } from '../contracts/harness/compile.ts';
import { PERP_V1_LENS_DIRS } from '../contracts/harness/perp-v1/artifacts.ts';

export function setup(): void {
  compileContracts({ quiet: true });
  compileContracts({ quiet: true, dirs: PERP_V1_LENS_DIRS });
}
