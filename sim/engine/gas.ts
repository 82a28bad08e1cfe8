/**
 * Gas: what each action costs its agent (off chain, in USD), from typical gas units per
 * operation, the base fee, the agent's priority fee and the ETH price. A reverted transaction
 * still pays for the gas it burnt before reverting.
 */
export interface GasParams {
  readonly baseFeeGwei: number;
  /** Gas units per action kind. */
  readonly units: Readonly<Record<string, number>>;
  /** Share of the units a reverted transaction burns. */
  readonly revertShare: number;
}

export const DEFAULT_GAS: GasParams = {
  baseFeeGwei: 0.05,
  // routerRevert: an agent's router refusing a limited order before it calls the clearing house.
  units: { open: 320_000, close: 260_000, liquidate: 380_000, settleFunding: 140_000, deposit: 90_000, withdraw: 110_000, addMargin: 100_000, removeMargin: 130_000, routerRevert: 60_000 },
  revertShare: 0.4,
};

export function gasCost(p: GasParams, kind: string, ok: boolean, priorityFeeGwei: number, ethUsd: number): { used: number; usd: number } {
  const full = p.units[kind] ?? 200_000;
  // A router revert's units are already what it burns.
  const used = ok || kind === 'routerRevert' ? full : Math.round(full * p.revertShare);
  return { used, usd: (used * (p.baseFeeGwei + priorityFeeGwei) * ethUsd) / 1e9 };
}
