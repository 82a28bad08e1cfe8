/** The chain's clock: block number and timestamp move separately, as on an L2 or in Perp v1's fakes. */
export interface Clock {
  blockNumber: number;
  timestamp: number;
}

export function createClock(timestamp: number, blockNumber: number): Clock {
  return { timestamp, blockNumber };
}
