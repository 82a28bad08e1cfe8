/**
 * The protocol on a chain: deploys the `default` design (on a base anvil, then forked), sets up a
 * script's markets, wallets and insurance fund in the model's first block, and sends transactions
 * through viem with a batched HTTP transport. Block numbers are compressed: one chain block per
 * model block that has transactions (the contracts only compare block numbers for equality), and
 * every chain block carries the model block's timestamp.
 */
import {
  type Abi,
  type Hex,
  type PublicClient,
  createPublicClient,
  decodeErrorResult,
  decodeFunctionResult,
  encodeDeployData,
  encodeFunctionData,
  getContractAddress,
  http,
  keccak256,
  stringToHex,
  toHex,
} from 'viem';
import type { ClearingHouseParams, MarketParams } from '../../sim/params.ts';
import { type Artifacts, compileContracts } from './compile.ts';
import { Anvil } from './anvil.ts';
import { type BatchTransport, httpBatchTransport, ipcBatchTransport } from './batch-transport.ts';
import { GUARDIAN as GUARDIAN_NAME, OWNER as OWNER_NAME } from '../../sim/vault.ts';

export const TOKEN_SCALE = 10n ** 12n;
export const DEPLOYER: Hex = '0x00000000000000000000000000000000000d3910';
export const KEEPER: Hex = '0x000000000000000000000000000000000000ce11';
/** The vault's guardian (may trip the circuit breaker at any time). */
export const GUARDIAN: Hex = '0x0000000000000000000000000000000000006a2d';
/** Where a drained yield source's assets go (MockYieldVault.loseAssets). */
export const DEAD: Hex = '0x000000000000000000000000000000000000dEaD';
const TX_GAS = 25_000_000n;

const addresses = new Map<string, Hex>();

/** A model name ("alice") as an address: the last 20 bytes of keccak256(name). */
export function addressOf(name: string): Hex {
  let address = addresses.get(name);
  if (address === undefined) {
    address = `0x${keccak256(stringToHex(`vamm-sim:${name}`)).slice(-40)}` as Hex;
    addresses.set(name, address);
  }
  return address;
}

/** A model actor's address: the vault's guardian and owner have fixed ones, everyone else addressOf. */
export function actorAddress(name: string): Hex {
  return name === GUARDIAN_NAME ? GUARDIAN : name === OWNER_NAME ? DEPLOYER : addressOf(name);
}

export function marketKey(id: string): Hex {
  if (id.length > 31) throw new Error(`market id "${id}" is longer than 31 bytes`);
  return stringToHex(id, { size: 32 });
}

export interface SentTx {
  readonly hash: Hex;
  readonly label: string;
}

export interface CallResult {
  readonly ok: boolean;
  readonly data: Hex;
}

/** A JSON-RPC connection to one anvil (viem, batched). */
export class Rpc {
  readonly client: PublicClient;
  private readonly nonces = new Map<string, number>();
  readonly allErrors: Abi;
  private batchId = 0;

  constructor(
    readonly url: string,
    readonly artifacts: Artifacts,
    /** Where batches go: anvil's IPC socket when it has one (see connectRpc), else HTTP. */
    private readonly batches: BatchTransport = httpBatchTransport(url, 120_000),
  ) {
    this.client = createPublicClient({ transport: http(url, { batch: { batchSize: 1000, wait: 0 }, timeout: 60_000, retryCount: 0 }), cacheTime: 0 });
    const seen = new Set<string>();
    const errors: Abi[number][] = [];
    for (const a of Object.values(artifacts)) {
      for (const item of a.abi) {
        if (item.type !== 'error' || seen.has(item.name)) continue;
        seen.add(item.name);
        errors.push(item);
      }
    }
    this.allErrors = errors as Abi;
  }

  request<T = unknown>(method: string, params: unknown[] = []): Promise<T> {
    return this.client.request({ method, params } as never) as Promise<T>;
  }

  /**
   * Sends requests as one JSON-RPC batch, which anvil runs in order; returns each request's
   * result or error (revert data for a failed eth_call).
   */
  async batch(requests: ReadonlyArray<{ method: string; params: unknown[] }>): Promise<Array<{ ok: boolean; result: unknown }>> {
    if (requests.length === 0) return [];
    const first = this.batchId + 1;
    const body = requests.map((r) => ({ jsonrpc: '2.0' as const, id: ++this.batchId, method: r.method, params: r.params }));
    const answer = await this.batches.send(body);
    if (!Array.isArray(answer)) throw new Error(`anvil refused a batch of ${requests.length} requests: ${JSON.stringify(answer).slice(0, 300)}`);
    const responses = answer;
    const out = new Array<{ ok: boolean; result: unknown }>(requests.length);
    for (const res of responses as Array<{ id: number; result?: unknown; error?: { data?: unknown; message?: string } }>) {
      const i = res.id - first;
      out[i] = res.error ? { ok: false, result: res.error.data ?? res.error.message ?? '0x' } : { ok: true, result: res.result };
    }
    return out;
  }

  /** The nonce `from` will use next, tracked here (fetched once). */
  takeNonce(from: Hex): number {
    const key = from.toLowerCase();
    const nonce = this.nonces.get(key);
    if (nonce === undefined) throw new Error(`nonce of ${from} unknown: call knowNonce first`);
    this.nonces.set(key, nonce + 1);
    return nonce;
  }

  txRequest(from: Hex, to: Hex, data: Hex): { method: string; params: unknown[] } {
    return { method: 'eth_sendTransaction', params: [{ from, to, data, gas: toHex(TX_GAS), nonce: toHex(this.takeNonce(from)), gasPrice: '0x0' }] };
  }

  /** An eth_call on `block` (default the pending block: the state after the transactions sent so far). */
  callRequest(to: Hex, data: Hex, from: Hex = DEPLOYER, block: Hex | 'pending' = 'pending'): { method: string; params: unknown[] } {
    return { method: 'eth_call', params: [{ from, to, data, gas: toHex(TX_GAS) }, block] };
  }

  /** Sends the deployment of artifact `name`; returns the address it will have. */
  async deploy(from: Hex, name: string, args: unknown[]): Promise<Hex> {
    const artifact = this.artifacts[name];
    if (!artifact) throw new Error(`no compiled contract ${name}`);
    await this.knowNonce(from);
    const nonce = this.takeNonce(from);
    const data = encodeDeployData({ abi: artifact.abi, bytecode: artifact.bytecode, args } as never);
    await this.request('eth_sendTransaction', [{ from, data, gas: toHex(TX_GAS), nonce: toHex(nonce), gasPrice: '0x0' }]);
    return getContractAddress({ from, nonce: BigInt(nonce) });
  }

  async fund(address: Hex): Promise<void> {
    await this.request('anvil_setBalance', [address, toHex(10n ** 24n)]);
  }

  /** Funds many addresses in JSON-RPC batches. */
  async fundAll(addresses: readonly Hex[]): Promise<void> {
    for (let i = 0; i < addresses.length; i += 500) {
      await this.batch(addresses.slice(i, i + 500).map((a) => ({ method: 'anvil_setBalance', params: [a, toHex(10n ** 24n)] })));
    }
  }

  /** Fetches the nonces of many addresses in JSON-RPC batches (those already known are kept). */
  async knowNonces(addresses: readonly Hex[]): Promise<void> {
    const unknown = [...new Set(addresses.map((a) => a.toLowerCase()))].filter((a) => !this.nonces.has(a));
    for (let i = 0; i < unknown.length; i += 500) {
      const part = unknown.slice(i, i + 500);
      const got = await this.batch(part.map((a) => ({ method: 'eth_getTransactionCount', params: [a, 'pending'] })));
      part.forEach((a, k) => this.nonces.set(a, Number(got[k]!.result as Hex)));
    }
  }

  /** Sends a transaction (anvil auto-impersonates `from`); mined by the next `mine`. */
  async send(from: Hex, to: Hex | null, data: Hex): Promise<Hex> {
    await this.knowNonce(from);
    return this.sendNow(from, to, data);
  }

  /** Fetches `from`'s nonce once, so later sends can be issued without waiting. */
  async knowNonce(from: Hex): Promise<void> {
    const key = from.toLowerCase();
    if (!this.nonces.has(key)) this.nonces.set(key, Number(await this.request<Hex>('eth_getTransactionCount', [from, 'pending'])));
  }

  /**
   * Issues the send in this tick (its nonce must be known), so it joins one JSON-RPC batch with
   * the calls issued around it; anvil runs a batch in order.
   */
  sendNow(from: Hex, to: Hex | null, data: Hex): Promise<Hex> {
    const key = from.toLowerCase();
    const nonce = this.nonces.get(key);
    if (nonce === undefined) throw new Error(`nonce of ${from} unknown: call knowNonce first`);
    this.nonces.set(key, nonce + 1);
    const tx: Record<string, string> = { from, data, gas: toHex(TX_GAS), nonce: toHex(nonce), gasPrice: '0x0' };
    if (to) tx.to = to;
    return this.request<Hex>('eth_sendTransaction', [tx]);
  }

  /** eth_call on the pending block (the state after the transactions sent so far). */
  async call(to: Hex, data: Hex, from: Hex = DEPLOYER): Promise<CallResult> {
    try {
      const result = await this.request<Hex>('eth_call', [{ from, to, data, gas: toHex(TX_GAS) }, 'pending']);
      return { ok: true, data: result };
    } catch (e) {
      return { ok: false, data: revertData(e) };
    }
  }

  async read<T>(abi: Abi, to: Hex, functionName: string, args: readonly unknown[] = []): Promise<T> {
    const r = await this.call(to, encodeFunctionData({ abi, functionName, args } as never));
    if (!r.ok) throw new Error(`read ${functionName} reverted: ${this.describeRevert(r.data)}`);
    return decodeFunctionResult({ abi, functionName, data: r.data } as never) as T;
  }

  /** The custom error's name (the model's revert reason), or a description of other revert data. */
  describeRevert(data: Hex): string {
    if (!data || data === '0x') return 'revert without data';
    try {
      const e = decodeErrorResult({ abi: this.allErrors, data });
      return e.errorName === 'Error' || e.errorName === 'Panic' ? `${e.errorName}(${String(e.args?.[0])})` : e.errorName;
    } catch {
      return `unknown revert ${data.slice(0, 10)}`;
    }
  }

  async setNextTimestamp(timestamp: number): Promise<void> {
    await this.request('evm_setNextBlockTimestamp', [toHex(timestamp)]);
  }

  /**
   * Mines the pending transactions into one block and returns it: its header and transaction hashes
   * (light enough for a block of thousands), read once the mining call has returned.
   */
  async mine(): Promise<{ number: number; timestamp: number; transactions: Hex[] }> {
    const [mined] = await this.batch([{ method: 'evm_mine', params: [] }]);
    if (!mined?.ok) throw new Error(`anvil did not mine the block: ${String(mined?.result)}`);
    const [latest] = await this.batch([{ method: 'eth_getBlockByNumber', params: ['latest', false] }]);
    const block = latest?.result as { number: Hex; timestamp: Hex; transactions: Array<Hex | { hash: Hex }> } | null;
    if (!block) throw new Error('anvil did not return the block it mined');
    return {
      number: Number(block.number),
      timestamp: Number(block.timestamp),
      transactions: block.transactions.map((t) => (typeof t === 'string' ? t : t.hash)),
    };
  }

  /** Receipts in JSON-RPC batches of 500 (a block of thousands, such as a dust flood, in a few round trips). */
  async receipts(hashes: readonly Hex[]): Promise<Receipt[]> {
    const out: Receipt[] = [];
    for (let i = 0; i < hashes.length; i += 500) {
      const part = await this.batch(hashes.slice(i, i + 500).map((h) => ({ method: 'eth_getTransactionReceipt', params: [h] })));
      for (const r of part) out.push(r.result as Receipt);
    }
    return out;
  }
}

/** An Rpc to `anvil`, its batches over its IPC socket when it has one. */
export async function connectRpc(anvil: Anvil, artifacts: Artifacts): Promise<Rpc> {
  return new Rpc(anvil.url, artifacts, anvil.ipcPath ? await ipcBatchTransport(anvil.ipcPath) : undefined);
}

export interface Receipt {
  transactionHash: Hex;
  status: Hex;
  gasUsed: Hex;
  logs: Array<{ address: Hex; topics: Hex[]; data: Hex }>;
  contractAddress: Hex | null;
  blockNumber: Hex;
}

function revertData(e: unknown): Hex {
  let cur: unknown = e;
  for (let i = 0; i < 8 && cur; i++) {
    const c = cur as { data?: unknown; cause?: unknown; details?: string };
    if (typeof c.data === 'string' && c.data.startsWith('0x')) return c.data as Hex;
    if (c.data && typeof c.data === 'object' && typeof (c.data as { data?: unknown }).data === 'string') return (c.data as { data: Hex }).data;
    cur = c.cause;
  }
  return '0x';
}

export interface CoreDeployment {
  readonly usdc: Hex;
  readonly vault: Hex;
  readonly insuranceFund: Hex;
  readonly admin: Hex;
  readonly clearingHouse: Hex;
  readonly pyth: Hex;
  readonly lens: Hex;
  /** The ERC-4626 test double the vault may use as its yield source (not attached at deployment). */
  readonly yieldSource: Hex;
}

export interface MarketDeployment {
  readonly id: string;
  readonly key: Hex;
  readonly vamm: Hex;
  readonly oracle: Hex;
  readonly aggregator: Hex;
}

/** The ClearingHouse's Params struct from the model's clearing-house parameters. */
export function chainParams(p: ClearingHouseParams) {
  if (p.profile !== 'default' || p.liquidation.kind !== 'minimal') throw new Error('the contracts implement the default design only');
  return {
    initMarginRatio: p.initMarginRatio,
    maintenanceMarginRatio: p.maintenanceMarginRatio,
    liquidationFeeRatio: p.liquidationFeeRatio,
    fullLiquidationBelowNotional: p.liquidation.fullLiquidationBelowNotional,
    partialCloseRatio: p.partialCloseRatio,
    insuranceFundFeeShare: p.insuranceFundFeeShare,
    restrictionMode: p.restrictionMode,
    maxOracleSpreadRatio: p.maxOracleSpreadRatio,
  };
}

export function marketConfig(p: MarketParams) {
  return {
    maxHoldingBaseAsset: p.maxHoldingBaseAsset,
    openInterestNotionalCap: p.openInterestNotionalCap,
    fundingPeriod: BigInt(p.funding.fundingPeriod),
    markTwapInterval: BigInt(p.funding.markTwapInterval),
    indexTwapInterval: BigInt(p.funding.indexTwapInterval),
    convergencePeriod: BigInt(p.funding.convergencePeriod),
    fundingCapRatio: p.funding.fundingCapRatio,
    fundingCapWindow: BigInt(p.funding.fundingCapWindow),
    feeRatio: p.fees.feeRatio,
  };
}

/** Deploys the core contracts (sent from DEPLOYER; mined by the caller's next block). */
export async function deployCore(rpc: Rpc, params: ClearingHouseParams): Promise<CoreDeployment> {
  await rpc.fund(DEPLOYER);
  const p = chainParams(params);
  const usdc = await rpc.deploy(DEPLOYER, 'MockUSDC', []);
  const vault = await rpc.deploy(DEPLOYER, 'Vault', [DEPLOYER, usdc]);
  const insuranceFund = await rpc.deploy(DEPLOYER, 'InsuranceFund', [DEPLOYER, vault]);
  const admin = await rpc.deploy(DEPLOYER, 'ClearingHouseAdmin', [DEPLOYER, vault, insuranceFund, p]);
  const clearingHouse = await rpc.deploy(DEPLOYER, 'ClearingHouse', [DEPLOYER, vault, insuranceFund, p, admin]);
  const pyth = await rpc.deploy(DEPLOYER, 'MockPyth', []);
  const lens = await rpc.deploy(DEPLOYER, 'ProtocolLens', []);
  const yieldSource = await rpc.deploy(DEPLOYER, 'MockYieldVault', [usdc]);
  const a = rpc.artifacts;
  await rpc.send(DEPLOYER, vault, encodeFunctionData({ abi: a.Vault!.abi, functionName: 'setOperators', args: [clearingHouse, insuranceFund] }));
  await rpc.send(DEPLOYER, vault, encodeFunctionData({ abi: a.Vault!.abi, functionName: 'setGuardian', args: [GUARDIAN] }));
  await rpc.send(DEPLOYER, insuranceFund, encodeFunctionData({ abi: a.InsuranceFund!.abi, functionName: 'setClearingHouse', args: [clearingHouse] }));
  return { usdc, vault, insuranceFund, admin, clearingHouse, pyth, lens, yieldSource };
}

export interface ChainSetup {
  readonly anvils: Anvil[];
  readonly rpc: Rpc;
  readonly core: CoreDeployment;
  readonly artifacts: Artifacts;
}

/**
 * Starts the chain: a base anvil holding the core deployment (block startBlock − 1), forked by a
 * second anvil that the replay drives; with `forkUrl`, the deployment goes straight onto a fork of
 * that chain instead.
 */
export async function startChain(options: {
  startBlock: number;
  startTimestamp: number;
  params: ClearingHouseParams;
  forkUrl?: string;
  forkBlockNumber?: number;
  /** Told each step before it starts (the compile alone can take half a minute the first time). */
  onPhase?: (phase: string) => void;
  /** Contracts compiled elsewhere; default: this tree's, compiled (or read from the cache) now. */
  artifacts?: Artifacts;
}): Promise<ChainSetup> {
  options.onPhase?.('compiling contracts');
  const artifacts = options.artifacts ?? compileContracts({ quiet: true });
  options.onPhase?.('starting anvil and deploying');
  const anvils: Anvil[] = [];
  try {
    if (options.forkUrl) {
      // Real chain state: the deployment goes into one block just before the model's first.
      const fork = await Anvil.start({
        forkUrl: options.forkUrl,
        ...(options.forkBlockNumber !== undefined ? { forkBlockNumber: options.forkBlockNumber } : {}),
        startTimeoutMs: 60_000,
        ipc: true,
      });
      anvils.push(fork);
      const rpc = await connectRpc(fork, artifacts);
      const head = await rpc.request<{ timestamp: Hex }>('eth_getBlockByNumber', ['latest', false]);
      if (Number(head.timestamp) >= options.startTimestamp) {
        throw new Error(
          `the fork's head (timestamp ${Number(head.timestamp)}) is not before the scenario's start (${options.startTimestamp}): fork an earlier block (--fork-block)`,
        );
      }
      const core = await deployCore(rpc, options.params);
      await rpc.setNextTimestamp(options.startTimestamp - 1);
      const mined = await rpc.mine();
      const receipts = await rpc.receipts(mined.transactions);
      if (receipts.some((r) => r.status !== '0x1')) throw new Error('a deployment transaction failed on the fork');
      return { anvils, rpc, core, artifacts };
    }
    if (options.startBlock < 2) throw new Error('the model must start at block 2 or later (the deployment needs a block before it)');
    const base = await Anvil.start({ number: options.startBlock - 2, timestamp: options.startTimestamp - 1, ipc: true });
    anvils.push(base);
    const baseRpc = new Rpc(base.url, artifacts);
    const core = await deployCore(baseRpc, options.params);
    await baseRpc.setNextTimestamp(options.startTimestamp - 1);
    const mined = await baseRpc.mine();
    const receipts = await baseRpc.receipts(mined.transactions);
    const failed = receipts.findIndex((r) => r.status !== '0x1');
    if (failed >= 0) throw new Error(`deployment transaction ${failed} failed on the base anvil`);
    // The fork reads the base over its IPC socket, unthrottled: it asks the base for every slot it
    // first touches (about one per replayed block), and over HTTP with a remote provider's rate
    // limit those waits were a tenth of the replay.
    const fork = await Anvil.start({ forkUrl: base.ipcPath!, forkIsLocal: true, forkBlockNumber: mined.number, ipc: true });
    anvils.push(fork);
    return { anvils, rpc: await connectRpc(fork, artifacts), core, artifacts };
  } catch (e) {
    for (const a of anvils) a.stop();
    throw e;
  }
}
