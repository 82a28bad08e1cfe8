/**
 * The results of a pure build kept by their inputs' data key (data-key.ts): equal inputs build
 * once. The oldest result is dropped past `kept`, enough for sweeps that alternate a few inputs.
 */
import { dataKey } from './data-key.ts';

export class KeptBuilds<I, T> {
  private readonly byKey = new Map<string, T>();

  constructor(
    private readonly kept: number,
    private readonly build: (inputs: I) => T,
  ) {}

  /** The kept result for inputs equal to `inputs`, built (and kept) on the first call. */
  get(inputs: I): T {
    const key = dataKey(inputs);
    let result = this.byKey.get(key);
    if (result === undefined) {
      result = this.build(inputs);
      this.byKey.set(key, result);
      if (this.byKey.size > this.kept) this.byKey.delete(this.byKey.keys().next().value as string);
    }
    return result;
  }
}
