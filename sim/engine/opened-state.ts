/**
 * The clearing house as a run starts: markets created at their start reserves, oracles seeded,
 * the insurance fund seeded, the agents' capital minted and deposited, backstop providers named,
 * and the opening book put on (opening-book.ts). It is a function of `OpeningInputs` alone, so
 * runs whose inputs are equal share one build: an insurance study's paths at its seed (same
 * population, depth, start price, start time and agents' capital; only the path after the
 * start differs) open the 131-account book once per process instead of once per path. The
 * first build is kept as a template and every run gets a deep copy of it (state-copy.ts);
 * `VAMM_OPENING_CACHE=0` builds afresh every time.
 */
import { ClearingHouse, type MarketSetup } from '../clearing-house.ts';
import { createClock } from '../clock.ts';
import { dataKey } from '../data-key.ts';
import { KeptBuilds } from '../kept-builds.ts';
import type { Profile } from '../params.ts';
import { type BookEntry, type BookedAccount, openBook } from './opening-book.ts';
import { copyInto } from './state-copy.ts';

export interface OpeningMarket {
  readonly id: string;
  readonly quoteReserve: bigint;
  readonly baseReserve: bigint;
  readonly params?: MarketSetup['params'];
  /** The oracle's round at the start (8 decimals). */
  readonly oracle: { readonly answer: bigint; readonly updatedAt: number; readonly roundId: bigint };
}

export interface OpeningAccount {
  readonly id: string;
  /** Tokens minted to the agent (wei). */
  readonly capital: bigint;
  /** Deposited into the clearing house as collateral. */
  readonly deposited: boolean;
  readonly backstop: boolean;
}

/** Everything the opening state is built from, in the order it is applied. */
export interface OpeningInputs {
  readonly profile: Profile;
  readonly start: number;
  readonly startBlock: number;
  readonly markets: readonly OpeningMarket[];
  readonly insuranceFund: bigint;
  readonly accounts: readonly OpeningAccount[];
  readonly book: readonly BookEntry[];
}

export interface OpenedState {
  readonly ch: ClearingHouse;
  /** What each book entry holds once on (shared between copies: never mutated). */
  readonly booked: readonly BookedAccount[];
}

/** Builds the opening state afresh. */
export function openState(inputs: OpeningInputs): OpenedState {
  const ch = new ClearingHouse(createClock(inputs.start, inputs.startBlock), inputs.profile);
  for (const m of inputs.markets) {
    ch.addMarket({ id: m.id, quoteReserve: m.quoteReserve, baseReserve: m.baseReserve, ...(m.params ? { params: m.params } : {}) });
    ch.pushOracleRound(m.id, m.oracle.answer * 10n ** 10n, m.oracle.updatedAt, m.oracle.roundId);
  }
  if (inputs.insuranceFund > 0n) ch.seedInsuranceFund(inputs.insuranceFund);
  for (const a of inputs.accounts) {
    if (a.capital > 0n) {
      ch.mint(a.id, a.capital);
      if (a.deposited) ch.deposit(a.id, a.capital);
    }
    if (a.backstop) ch.setBackstopLiquidityProvider(a.id, true);
  }
  const booked = openBook(ch, inputs.book);
  ch.events.length = 0;
  return { ch, booked };
}

/** Templates by their inputs' key; a few, for sweeps that alternate populations. */
const templates = new KeptBuilds<OpeningInputs, OpenedState>(4, openState);

/** The opening state: a copy of the template built from equal inputs, built (and kept) on the first call. */
export function openedState(inputs: OpeningInputs): OpenedState {
  if (process.env.VAMM_OPENING_CACHE === '0') return openState(inputs);
  const template = templates.get(inputs);
  return { ch: copyOf(template.ch, inputs), booked: template.booked };
}

/** A deep copy of `ch` into a clearing house constructed as `openState` constructs one (its closures bound to the copy). */
export function copyOf(ch: ClearingHouse, inputs: Pick<OpeningInputs, 'profile' | 'start' | 'startBlock'>): ClearingHouse {
  return copyInto(new ClearingHouse(createClock(inputs.start, inputs.startBlock), inputs.profile), ch);
}

/** The inputs as text (every field, plain data only): equal keys mean equal inputs. */
export function openingKey(inputs: OpeningInputs): string {
  return dataKey(inputs);
}
