/** Known Chainlink feeds (kept apart from the fetcher so the CLI need not load viem to show defaults). */

/** Chainlink's ETH/USD proxy on Ethereum mainnet. */
export const ETH_USD_PROXY = '0x5f4eC3Df9cbd43714FE2740f5E3616155c5b8419' as const;
