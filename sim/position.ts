/**
 * A trader's position in one market. Records are replaced, never mutated, so the journal can
 * restore them. `margin` is used by isolated positions (all of them under `perp-v1`); a cross
 * position's margin is its account's collateral.
 */
export interface Position {
  readonly size: bigint;
  readonly margin: bigint;
  readonly openNotional: bigint;
  readonly lastCumulativePremiumFraction: bigint;
  /** Socialised-loss index of the position's side when it was last settled (`default`). */
  readonly lastLossIndex: bigint;
  readonly liquidityHistoryIndex: number;
  readonly blockNumber: number;
  readonly isolated: boolean;
}

export function emptyPosition(blockNumber = 0, isolated = false): Position {
  return {
    size: 0n,
    margin: 0n,
    openNotional: 0n,
    lastCumulativePremiumFraction: 0n,
    lastLossIndex: 0n,
    liquidityHistoryIndex: 0,
    blockNumber,
    isolated,
  };
}

/**
 * `pos` with some fields replaced, built by one literal as every record is: a spread
 * (`{ ...pos, size }`) gives the record another hidden class, and the run that first meets it
 * (a rare path, such as a carry settled before a withdrawal) throws every optimised reader of
 * records back to the interpreter (docs/PERFORMANCE.md: the batch's late deoptimisations,
 * twelfth session).
 */
export function positionWith(pos: Position, c: Partial<Position>): Position {
  return {
    size: c.size ?? pos.size,
    margin: c.margin ?? pos.margin,
    openNotional: c.openNotional ?? pos.openNotional,
    lastCumulativePremiumFraction: c.lastCumulativePremiumFraction ?? pos.lastCumulativePremiumFraction,
    lastLossIndex: c.lastLossIndex ?? pos.lastLossIndex,
    liquidityHistoryIndex: c.liquidityHistoryIndex ?? pos.liquidityHistoryIndex,
    blockNumber: c.blockNumber ?? pos.blockNumber,
    isolated: c.isolated ?? pos.isolated,
  };
}

/** A trader's account: cross collateral and one position per market. */
export interface Account {
  readonly owner: string;
  /** Cross-margin collateral (signed: realised losses of an open cross book may exceed it). */
  collateral: bigint;
  readonly positions: Map<string, Position>;
}
