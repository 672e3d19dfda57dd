import { randomBytes } from 'node:crypto';
import { BackendUnavailableError } from '../errors/shared-capacity-errors.js';
import type { ResourceCost } from '../foundation/resource-cost.js';
import { ChainView } from './chain-view.js';
import { type AcquireRefusal, Lease } from './lease.js';
import { LeaseKeeper } from './lease-keeper.js';
import type { LeaseSource } from './redis-gate.js';
import type { RemoteCost } from './remote-cost.js';
import { SCALE } from './remote-cost.js';
import { ACQUIRE, ADJUST, DEFINE, RELEASE, RENEW, SET_LIMITS, SNAPSHOT } from './scripts.js';
import { type Reply, Script, type Store } from './store.js';

/** The scripts, hashed once per process. */
export const scripts = {
  acquire: new Script(ACQUIRE),
  release: new Script(RELEASE),
  adjust: new Script(ADJUST),
  renew: new Script(RENEW),
  define: new Script(DEFINE),
  setLimits: new Script(SET_LIMITS),
  snapshot: new Script(SNAPSHOT),
};

/** Lease ids renewed per script call: a heartbeat of many leases is several short calls, not one long one. */
const RENEW_CHUNK = 1000;

/** Timing settings of a {@link TreeClient}, validated by its owner. */
export interface TreeClientSettings {
  node: string;
  ttlMs: number;
  heartbeatMs: number;
  unavailableMs: number;
  fallbackMs: number;
}

/**
 * One process's dealings with one node of a tree in Redis: leases taken, renewed and given back, the local figures
 * of the node's chain, wake-ups, and what to do while Redis is away. Gates draw on it; `RedisCapacity` owns it.
 */
export class TreeClient implements LeaseSource {
  readonly view = new ChainView();
  readonly node: string;
  readonly #store: Store;
  readonly #ttlMs: number;
  readonly #unavailableMs: number;
  readonly #fallbackMs: number;
  readonly #keeper: LeaseKeeper;
  readonly #listeners = new Set<() => void>();
  /** Prefix of this process's lease ids. */
  readonly #owner = randomBytes(6).toString('hex');
  #nextLease = 0;
  /** Lease ids to give back in the next release call (batched per tick, and retried when the store was away). */
  #toRelease: string[] = [];
  #releaseQueued = false;
  #releasing: Promise<void> | undefined;
  /** Gates blocked on a cost that does not fit: while any, the fallback timer runs. */
  #waiting = 0;
  /** How long the store counts this process as waiting after a refused acquire (it publishes only then). */
  readonly #waitMs: number;
  /** Local time until which the store surely still counts this process as waiting. */
  #registeredUntil = Number.NEGATIVE_INFINITY;
  #wakeTimer: NodeJS.Timeout | undefined;
  /** The store did not answer in time: takes fail at once until a probe gets an answer. */
  #down = false;
  #probe: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(store: Store, settings: TreeClientSettings) {
    this.#store = store;
    this.node = settings.node;
    this.#ttlMs = settings.ttlMs;
    this.#unavailableMs = settings.unavailableMs;
    this.#fallbackMs = settings.fallbackMs;
    this.#waitMs = 2 * settings.fallbackMs + 1000;
    this.#keeper = new LeaseKeeper(
      { renew: (ids) => this.#renew(ids), fenced: () => this.#markDown() },
      settings.ttlMs,
      settings.heartbeatMs,
      Math.max(100, Math.floor(settings.ttlMs / 10)),
    );
  }

  get namespace(): string {
    return this.#store.namespace;
  }

  get limits(): Readonly<ResourceCost> {
    return this.view.own('limits');
  }

  /** Live leases this process holds. */
  get leases(): number {
    return this.#keeper.size;
  }

  /** Reads this node's chain from the store: a release of no lease, whose reply carries the chain's figures. */
  async refresh(): Promise<void> {
    const reply = (await this.call(scripts.release, [this.node], 'refresh')) as Reply[];
    this.view.update(reply[3] as Reply);
    // Figures for the getters and `explain`; the first take still asks the store, which also registers this
    // process as waiting if the cost is short, so that it hears of releases.
    this.view.stale();
  }

  /** Gives back every lease at once (their tasks are told they lost them) and stops all timers. */
  async shutdown(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const lease of this.#keeper.loseAll()) this.#toRelease.push(lease.id);
    this.#stopWakeTimer();
    if (this.#probe !== undefined) clearInterval(this.#probe);
    // Known to be away: waiting for it would only delay the close; the leases expire on their own.
    if (this.#down) return;
    try {
      await this.#flushReleases();
    } catch {
      // Unreachable: the leases expire on their own.
    }
  }

  /** Registers a listener for changes that may let a waiting cost fit. */
  listen(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** A gate started or stopped waiting. */
  waiting(delta: 1 | -1): void {
    this.#waiting += delta;
    if (delta === 1 && this.#waiting === 1 && performance.now() > this.#registeredUntil) {
      // Waiting on local figures alone: the store would not tell this process of releases, so ask it again.
      queueMicrotask(() => this.wake());
    }
    if (this.#waiting > 0 && this.#wakeTimer === undefined) this.#armWakeTimer(this.#fallbackMs);
    if (this.#waiting === 0) this.#stopWakeTimer();
  }

  /**
   * Takes `cost` at this node and up, as a lease. Resolves with the lease, or with the reason it
   * cannot be taken: `'short'` (wait), or an error to fail the task with.
   */
  async acquire(cost: RemoteCost): Promise<Lease | 'short' | AcquireRefusal> {
    if (this.#closed)
      return { kind: 'unavailable', error: new BackendUnavailableError('acquire after close()', 0) };
    if (this.#down)
      return { kind: 'unavailable', error: new BackendUnavailableError('acquire', this.#unavailableMs) };
    const id = `${this.#owner}:${++this.#nextLease}`;
    const sentAt = performance.now();
    let reply: Reply[];
    try {
      reply = (await this.call(
        scripts.acquire,
        // The figures come back only while something here waits: they decide which waiting task to try next.
        [id, this.#ttlMs, this.node, this.#owner, this.#waitMs, this.#waiting > 0 ? '1' : '0', ...cost.args],
        'acquire',
      )) as Reply[];
    } catch (error) {
      // It may still run when the store comes back: give it back then (release is idempotent).
      this.#giveBack(id);
      return { kind: 'unavailable', error: error as Error };
    }
    switch (reply[0]) {
      case 'ok': {
        const figures = reply[4] as Reply[];
        if (figures.length > 0 && performance.now() < this.#registeredUntil) this.view.update(figures);
        else {
          // No figures (they would cost every take), or the store no longer counts this process as waiting and
          // would not tell it of releases: count the take locally and let the next take ask the store.
          this.view.apply(cost.amounts, 1);
          this.view.stale();
        }
        this.#noteEarliest(Number(reply[3]), Number(reply[2]));
        const lease = new Lease(id, cost, 0);
        this.#keeper.add(lease, sentAt);
        return lease;
      }
      case 'short':
        this.#registeredUntil = sentAt + this.#waitMs - this.#fallbackMs;
        this.view.update(reply[5] as Reply);
        this.#noteEarliest(Number(reply[4]), Number(reply[3]));
        return 'short';
      case 'unknown_node':
        return { kind: 'unknown_node', node: String(reply[1]) };
      case 'unknown_resource':
        return { kind: 'unknown_resource', resource: String(reply[1]) };
      default:
        return {
          kind: 'exceeds',
          resource: String(reply[1]),
          node: String(reply[2]),
          requested: Number(reply[3]) / SCALE,
          ceiling: Number(reply[4]) / SCALE,
        };
    }
  }

  /** Gives a lease back (once; a lost lease is given back too, in case the store still has it). */
  release(lease: Lease): void {
    if (!lease.ended) this.#keeper.remove(lease);
    else lease.onLost = undefined;
    this.view.apply(lease.amounts, -1);
    this.#giveBack(lease.id);
  }

  /** Resolves once every release given so far has reached the store (or failed to). */
  async flushed(): Promise<void> {
    if (this.#down) return;
    await this.#flushReleases().catch(noop);
  }

  /** Replaces what a lease holds by `amounts` (a task corrected its cost or gave part back). */
  adjust(lease: Lease, amounts: Readonly<ResourceCost>, args: readonly string[]): void {
    this.view.apply(lease.amounts, -1);
    this.view.apply(amounts, 1);
    lease.amounts = amounts;
    // In order with this connection's other calls; if the store is away the lease keeps its old amounts.
    this.call(scripts.adjust, [lease.id, this.node, ...args], 'adjust').catch(noop);
    this.#notify();
  }

  /** Tells every gate's scheduler that something may fit now. */
  #notify(): void {
    for (const listener of [...this.#listeners]) listener();
  }

  /** Someone may have changed the tree: look again (a message, a reconnection, the fallback timer). */
  wake(): void {
    this.view.stale();
    this.#notify();
  }

  #giveBack(id: string): void {
    this.#toRelease.push(id);
    if (this.#releaseQueued) return;
    this.#releaseQueued = true;
    // One call for every release of this tick.
    queueMicrotask(() => {
      this.#releaseQueued = false;
      this.#flushReleases().catch(noop);
    });
  }

  async #flushReleases(): Promise<void> {
    if (this.#releasing !== undefined) await this.#releasing.catch(noop);
    if (this.#toRelease.length === 0) return;
    const ids = this.#toRelease;
    this.#toRelease = [];
    const call = this.call(scripts.release, ['', ...ids], 'release').then(
      () => {
        // Others in this process may be waiting for what was just given back.
        this.#notify();
      },
      (error: unknown) => {
        // Kept for the next try; if the store stays away the leases expire on their own.
        this.#toRelease.push(...ids);
        throw error;
      },
    );
    const done: Promise<void> = call.then(noop, noop).then(() => {
      if (this.#releasing === done) this.#releasing = undefined;
    });
    this.#releasing = done;
    return call;
  }

  async #renew(ids: string[]): Promise<string[]> {
    // Leases whose release did not reach the store yet are retried here too.
    if (this.#toRelease.length > 0) this.#flushReleases().catch(noop);
    const calls: Promise<Reply>[] = [];
    for (let i = 0; i < ids.length; i += RENEW_CHUNK)
      calls.push(this.call(scripts.renew, [this.#ttlMs, ...ids.slice(i, i + RENEW_CHUNK)], 'renew'));
    const replies = (await Promise.all(calls)) as Reply[][];
    return replies.flatMap((reply) => ((reply[2] as Reply[]) ?? []).map(String));
  }

  /** A waiter should look again when the earliest lease (maybe a dead holder's) expires. */
  #noteEarliest(expiry: number, now: number): void {
    if (this.#waiting === 0 || expiry === 0) return;
    const ms = expiry - now + 5;
    if (ms > 0 && ms < this.#fallbackMs) this.#armWakeTimer(ms);
  }

  #armWakeTimer(ms: number): void {
    this.#stopWakeTimer();
    this.#wakeTimer = setTimeout(() => {
      this.#wakeTimer = undefined;
      if (this.#waiting > 0) {
        this.#armWakeTimer(this.#fallbackMs);
        this.wake();
      }
    }, ms);
  }

  #stopWakeTimer(): void {
    if (this.#wakeTimer !== undefined) clearTimeout(this.#wakeTimer);
    this.#wakeTimer = undefined;
  }

  async call(script: Script, args: readonly (string | number)[], operation: string): Promise<Reply> {
    try {
      const reply = await this.#store.run(script, args, this.#unavailableMs, operation);
      if (this.#down) this.#markUp();
      return reply;
    } catch (error) {
      if (error instanceof BackendUnavailableError) this.#markDown();
      throw error;
    }
  }

  #markDown(): void {
    if (this.#down || this.#closed) return;
    this.#down = true;
    // Probe until the store answers; then waiting tasks try again.
    this.#probe = setInterval(() => {
      this.#store.redis.ping().then(() => this.#markUp(), noop);
    }, 500);
    this.#probe.unref();
    this.wake();
  }

  #markUp(): void {
    if (!this.#down) return;
    this.#down = false;
    if (this.#probe !== undefined) clearInterval(this.#probe);
    this.#probe = undefined;
    this.wake();
  }
}

function noop(): void {}
