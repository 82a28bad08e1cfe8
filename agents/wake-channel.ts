/**
 * The engine's line to one agent worker, without the event loop in the way. A request and its
 * answer travel as ordinary messages on a dedicated MessagePort (structured clone, as before),
 * but neither side waits for its event loop to deliver them: the sender bumps a counter in
 * shared memory and notifies, the receiver blocks on that counter with `Atomics.wait` and takes
 * the message off its port with `receiveMessageOnPort`; each side spins briefly on the counter
 * before it sleeps, so a quick answer costs no thread wake-up at all. No trip through either
 * side's event loop (the per-block round trip that made sharded agents slower than one thread).
 *
 * The engine's side never blocks for long: it waits in slices and, between slices, lets its
 * event loop run, so a worker that dies (an exception outside a request, running out of
 * memory, `process.exit`) is reported through the Worker's `error` and `exit` events instead
 * of being waited on.
 */
import { type MessagePort, MessageChannel, receiveMessageOnPort, Worker } from 'node:worker_threads';

/** Slots of the control block: requests sent, answers sent, stop. */
const REQUESTS = 0;
const ANSWERS = 1;
const STOP = 2;
const SLOTS = 3;

/** How long the engine blocks before it lets its event loop look for a dead worker (ms). */
const WAIT_SLICE_MS = 20;

/**
 * Loads of the counter before either side sleeps on it (~20–40 µs): an agent shard answers, and
 * the engine's next block asks, within about that, and a thread put to sleep takes tens of
 * microseconds to wake on this kind of machine. Bounded, so a slow side costs the other little.
 */
const SPIN_LOADS = 20_000;

/** Spins until `c[i]` is no longer `value` or the spin is spent. */
function spinWhile(c: Int32Array, i: number, value: number): void {
  for (let k = 0; k < SPIN_LOADS && Atomics.load(c, i) === value; k++);
}

/** What a worker is started with, besides its own data: the channel's two shared pieces. */
export interface WakeChannelEnds {
  readonly control: SharedArrayBuffer;
  readonly port: MessagePort;
}

/** An answer on the wire: the handler's result, or the error it threw (its stack). */
type Answer = { readonly result: unknown } | { readonly error: string };

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** The engine's end of a worker started on `module`: one request at a time, answered in order. */
export class WakeChannelClient {
  private readonly worker: Worker;
  private readonly control: Int32Array;
  private readonly port: MessagePort;
  private sent = 0;
  private failure: Error | null = null;
  private closing = false;

  /** Starts the worker; `data` reaches it as `workerData` beside the channel's ends. */
  constructor(module: string | URL, data: object, private readonly label: string) {
    const control = new SharedArrayBuffer(SLOTS * Int32Array.BYTES_PER_ELEMENT);
    const { port1, port2 } = new MessageChannel();
    this.control = new Int32Array(control);
    this.port = port1;
    this.worker = new Worker(module, { workerData: { ...data, control, port: port2 } satisfies WakeChannelEnds, transferList: [port2] });
    this.worker.on('error', (e) => {
      this.failure ??= new Error(`${label} crashed: ${e.message}`);
    });
    this.worker.on('exit', (code) => {
      if (!this.closing) this.failure ??= new Error(`${label} exited with code ${code}`);
    });
  }

  /** Sends a request; its `answer` must be awaited before the next one is sent. */
  send(message: unknown): void {
    if (this.failure) throw this.failure;
    this.port.postMessage(message);
    // The message is on the port before the counter moves, so the worker finds it when it wakes.
    Atomics.store(this.control, REQUESTS, ++this.sent);
    Atomics.notify(this.control, REQUESTS);
  }

  /** The answer to the last request sent; an error the worker's handler threw is thrown here. */
  async answer(): Promise<unknown> {
    spinWhile(this.control, ANSWERS, this.sent - 1);
    for (;;) {
      if (Atomics.load(this.control, ANSWERS) === this.sent) {
        const received = receiveMessageOnPort(this.port);
        if (!received) throw new Error(`${this.label} counted an answer it did not send`);
        const a = received.message as Answer;
        if ('error' in a) throw new Error(`${this.label}: ${a.error}`);
        return a.result;
      }
      if (Atomics.wait(this.control, ANSWERS, this.sent - 1, WAIT_SLICE_MS) === 'timed-out') {
        // Slow or dead: let the event loop deliver the Worker's error or exit, if any.
        await nextTurn();
        if (this.failure) throw this.failure;
      }
    }
  }

  /** Ends the worker's loop, then the worker. */
  async close(): Promise<void> {
    this.closing = true;
    Atomics.store(this.control, STOP, 1);
    Atomics.add(this.control, REQUESTS, 1);
    Atomics.notify(this.control, REQUESTS);
    await this.worker.terminate();
  }
}

/**
 * The worker's end: answers requests with `handle` until the engine closes the channel, then
 * returns. Blocks the worker's thread (it needs no event loop of its own). An error `handle`
 * throws is the answer; the loop goes on.
 */
export function serveWakeChannel(ends: WakeChannelEnds, handle: (request: unknown) => unknown): void {
  const c = new Int32Array(ends.control);
  let seen = 0;
  for (;;) {
    spinWhile(c, REQUESTS, seen);
    Atomics.wait(c, REQUESTS, seen);
    if (Atomics.load(c, STOP) === 1) return;
    if (Atomics.load(c, REQUESTS) === seen) continue; // woken without a request
    const received = receiveMessageOnPort(ends.port);
    if (!received) throw new Error('the engine counted a request it did not send');
    seen++;
    let answer: Answer;
    try {
      answer = { result: handle(received.message) };
    } catch (e) {
      answer = { error: e instanceof Error ? (e.stack ?? e.message) : String(e) };
    }
    ends.port.postMessage(answer);
    Atomics.store(c, ANSWERS, seen);
    Atomics.notify(c, ANSWERS);
  }
}
