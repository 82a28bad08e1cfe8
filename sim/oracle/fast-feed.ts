/**
 * A fast, Pyth-style price feed: a price with a confidence interval and a publish time, updated
 * far more often than the Chainlink index. Used for real-time checks (spread, oracle margin).
 */
import type { Journal } from '../journal.ts';

export interface FastPrice {
  readonly price: bigint;
  readonly confidence: bigint;
  readonly publishTime: number;
}

export class FastFeed {
  latest: FastPrice | undefined = undefined;

  constructor(private readonly j: Journal) {}

  update(price: FastPrice): void {
    this.j.set(this, 'latest', price);
  }

  age(now: number): number {
    return this.latest ? now - this.latest.publishTime : Number.POSITIVE_INFINITY;
  }
}
