import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { InvalidOptionError } from '../errors/option-errors.js';
import { BackendUnavailableError, UnknownNodeError } from '../errors/shared-capacity-errors.js';
import type { ResourceCost } from '../foundation/resource-cost.js';
import type { CapacityGate, ExternalCapacity } from '../runner/capacity-gate.js';
import { ChainView } from './chain-view.js';
import { Lease } from './lease.js';
import { LeaseKeeper } from './lease-keeper.js';
import { RedisGate } from './redis-gate.js';
import type { RemoteCost } from './remote-cost.js';
import { SCALE, scaledLimits } from './remote-cost.js';
import { ACQUIRE, ADJUST, DEFINE, RELEASE, RENEW, SET_LIMITS, SNAPSHOT } from './scripts.js';
import { type Reply, Script, Store } from './store.js';

const scripts = {
  acquire: new Script(ACQUIRE),
  release: new Script(RELEASE),
  adjust: new Script(ADJUST),
  renew: new Script(RENEW),
  define: new Script(DEFINE),
  setLimits: new Script(SET_LIMITS),
  snapshot: new Script(SNAPSHOT),
};

/** Options of a {@link RedisCapacity}. */
export interface RedisCapacityOptions {
  /** A Redis URL (`redis://host:port/db`), or an ioredis client you own (it is left connected on `close`). */
  redis: string | Redis;
  /** The budget tree: every key of it shares the hash tag `{namespace}`. */
  namespace: string;
  /** The node this process draws from; its ancestors bind too. */
  node: string;
  /** How long a lease lives without renewal, in ms. Default 10,000; at least 1,000. */
  leaseTtlMs?: number;
  /** How often leases are renewed (one call for all of them). Default a third of the TTL. */
  heartbeatMs?: number;
  /**
   * How long an acquire waits for an unreachable store before the task fails with `ALLOT_BACKEND_UNAVAILABLE`.
   * Default: the lease TTL.
   */
  unavailableAfterMs?: number;
  /** While tasks wait, the longest time between two tries when no release message arrives. Default 1,000 ms. */
  fallbackWakeMs?: number;
}

/** One node of a tree given to {@link RedisCapacity.define}. */
export interface RedisNodeDefinition {
  /** Its parent node, defined in the same call or before; none for a root. */
  parent?: string;
  /** Its limits, as for an in-memory capacity. */
  limits: ResourceCost;
}

/** One node of a {@link RedisCapacity.snapshot}, in user units. */
export interface RedisNodeSnapshot {
  parent: string | undefined;
  limits: ResourceCost;
  inUse: ResourceCost;
  /** Live leases charged to this node (taken by processes drawing from it). */
  leases: number;
}

/**
 * One budget tree in Redis, shared by every process that opens it: a task starts only when its whole cost fits
 * at this process's node and every ancestor, checked and taken in one script call on the server.
 *
 * Every acquisition is a lease that expires on the Redis clock unless renewed; this process renews all of its
 * leases in one call per heartbeat. A process that dies loses its leases after the TTL, and its capacity comes
 * back. A process that cannot reach Redis stops its tasks (their signal fires with `LeaseLostError`) before its
 * leases could expire, and fails queued tasks with `BackendUnavailableError`.
 *
 * Pass it as `capacity` to a `Scheduler` or a `ScheduledTaskPoolRunner`. Call `close()` when done.
 *
 * @example
 * const capacity = new RedisCapacity({ redis: 'redis://127.0.0.1:6379', namespace: 'farm', node: 'team-a' });
 * await capacity.define({
 *   cluster: { limits: { gpu: 8, cpu: 64 } },
 *   'team-a': { parent: 'cluster', limits: { gpu: 4, cpu: 32 } },
 * });
 * const scheduler = new Scheduler({ capacity });
 */
export class RedisCapacity implements ExternalCapacity {
  /** Marks this as a capacity held outside the process. */
  readonly external = true as const;
  /** The node this process draws from. */
  readonly node: string;
  /** The budget tree's name. */
  readonly namespace: string;
  readonly #store: Store;
  readonly #ownsClient: boolean;
  readonly #subscriber: Redis;
  readonly #ttlMs: number;
  readonly #unavailableMs: number;
  readonly #fallbackMs: number;
  readonly #view = new ChainView();
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
  #wakeTimer: NodeJS.Timeout | undefined;
  /** The store did not answer in time: takes fail at once until a probe gets an answer. */
  #down = false;
  #probe: NodeJS.Timeout | undefined;
  #closed = false;

  /**
   * @throws InvalidOptionError for a missing namespace or node, or a bad number option.
   */
  constructor(options: RedisCapacityOptions) {
    if (typeof options !== 'object' || options === null)
      throw new InvalidOptionError('options', options, 'an object');
    const { namespace, node } = options;
    if (typeof namespace !== 'string' || namespace === '' || /[{}]/.test(namespace))
      throw new InvalidOptionError('namespace', namespace, 'a non-empty string without { or }');
    if (typeof node !== 'string' || node === '')
      throw new InvalidOptionError('node', node, 'a non-empty string');
    const ttl = options.leaseTtlMs ?? 10_000;
    if (!Number.isFinite(ttl) || ttl < 1000)
      throw new InvalidOptionError('leaseTtlMs', ttl, 'a number of ms ≥ 1000');
    const heartbeat = options.heartbeatMs ?? Math.floor(ttl / 3);
    if (!Number.isFinite(heartbeat) || heartbeat < 50 || heartbeat > ttl / 2)
      throw new InvalidOptionError(
        'heartbeatMs',
        heartbeat,
        `a number of ms from 50 to ${ttl / 2} (half the TTL)`,
      );
    const unavailable = options.unavailableAfterMs ?? ttl;
    if (!Number.isFinite(unavailable) || unavailable < 1)
      throw new InvalidOptionError('unavailableAfterMs', unavailable, 'a number of ms ≥ 1');
    const fallback = options.fallbackWakeMs ?? 1000;
    if (!Number.isFinite(fallback) || fallback < 10 || fallback > 1000)
      throw new InvalidOptionError('fallbackWakeMs', fallback, 'a number of ms from 10 to 1000');
    this.namespace = namespace;
    this.node = node;
    this.#ttlMs = ttl;
    this.#unavailableMs = unavailable;
    this.#fallbackMs = fallback;
    let client: Redis;
    if (typeof options.redis === 'string') {
      client = new Redis(options.redis, clientOptions);
      this.#ownsClient = true;
    } else if (options.redis instanceof Redis) {
      client = options.redis;
      this.#ownsClient = false;
    } else throw new InvalidOptionError('redis', options.redis, 'a redis:// URL or an ioredis client');
    // Errors surface through the calls that meet them; an unhandled 'error' event would crash the process.
    client.on('error', noop);
    this.#store = new Store(client, namespace);
    this.#subscriber = client.duplicate(clientOptions);
    this.#subscriber.on('error', noop);
    this.#subscriber.on('message', () => this.#wake());
    // Messages sent while disconnected are lost: after a reconnection, look again.
    this.#subscriber.on('ready', () => this.#wake());
    this.#subscriber.subscribe(this.#store.channel).catch(noop);
    this.#keeper = new LeaseKeeper(
      { renew: (ids) => this.#renew(ids), fenced: () => this.#markDown() },
      ttl,
      heartbeat,
      Math.max(100, Math.floor(ttl / 10)),
    );
  }

  /** Lease time to live in ms. */
  get leaseTtlMs(): number {
    return this.#ttlMs;
  }

  /** Last known limits at this node (a copy; empty before the first answer from the store). */
  get limits(): Readonly<ResourceCost> {
    return this.#view.own('limits');
  }

  /** Last known amounts in use at this node, by every process (a copy). */
  get inUse(): Readonly<ResourceCost> {
    return this.#view.own('inUse');
  }

  /** Last known amounts available at this node (a copy). */
  get available(): Readonly<ResourceCost> {
    return this.#view.own('available');
  }

  /** Last known limit of one resource at this node. */
  limitOf(resource: string): number | undefined {
    return this.#view.limitOf(resource);
  }

  /** Live leases this process holds. */
  get leases(): number {
    return this.#keeper.size;
  }

  /**
   * Creates the nodes of `tree` that do not exist yet; a node that exists keeps its limits (change them with
   * {@link RedisCapacity.setLimits}). Safe to call from every process with the same tree.
   *
   * @throws InvalidOptionError for a node whose parent is missing or differs from the stored one, or a cycle;
   *   InvalidLimitError for bad limits; BackendUnavailableError when Redis does not answer.
   */
  async define(tree: Readonly<Record<string, RedisNodeDefinition>>): Promise<void> {
    if (typeof tree !== 'object' || tree === null)
      throw new InvalidOptionError('tree', tree, 'an object of nodes');
    const ordered = orderTree(tree);
    const reply = await this.#run(scripts.define, [JSON.stringify(ordered)], 'define');
    if (Array.isArray(reply) && reply[0] !== 'ok') {
      const [kind, name, other] = reply.map(String);
      throw new InvalidOptionError(
        `${name}.parent`,
        tree[name as string]?.parent,
        kind === 'parent_mismatch'
          ? `${JSON.stringify(other)}, its parent in the stored tree`
          : `a defined node`,
      );
    }
    await this.refresh();
  }

  /**
   * Sets limits of `node` for every process at once (other resources keep theirs). Lowering a limit below what is
   * in use takes nothing away: new tasks wait until enough is given back. Waiting processes are woken.
   *
   * @throws UnknownNodeError, InvalidLimitError, BackendUnavailableError.
   */
  async setLimits(node: string, limits: Readonly<ResourceCost>): Promise<void> {
    const pairs = scaledLimits(limits);
    const reply = await this.#run(scripts.setLimits, [node, ...pairs], 'setLimits');
    if (Array.isArray(reply) && reply[0] === 'unknown_node') throw new UnknownNodeError(node, this.namespace);
    await this.refresh();
  }

  /** Every node of the tree with its limits, amounts in use and live lease count, in user units. */
  async snapshot(): Promise<Record<string, RedisNodeSnapshot>> {
    const reply = (await this.#run(scripts.snapshot, [], 'snapshot')) as Reply[];
    const out: Record<string, RedisNodeSnapshot> = {};
    for (let i = 0; i < reply.length; i += 4) {
      const name = String(reply[i]);
      const parent = String(reply[i + 1]);
      const dump = reply[i + 3] as Reply[];
      const limits: ResourceCost = {};
      const inUse: ResourceCost = {};
      const count = Number(dump[1]);
      for (let r = 0; r < count; r++) {
        const res = String(dump[2 + r * 4]);
        limits[res] = Number(dump[3 + r * 4]) / SCALE;
        inUse[res] = Number(dump[4 + r * 4]) / SCALE;
      }
      out[name] = { parent: parent === '' ? undefined : parent, limits, inUse, leases: Number(reply[i + 2]) };
    }
    return out;
  }

  /** Reads this node's chain from the store (the figures `limits`, `inUse` and `available` report). */
  async refresh(): Promise<void> {
    const reply = (await this.#run(scripts.release, [this.node], 'refresh')) as Reply[];
    this.#view.update(reply[3] as Reply);
  }

  /**
   * Gives back this process's leases at once (their tasks' signals fire with `LeaseLostError`), stops renewing,
   * and disconnects the connections it opened. Does not wait for running tasks: close the scheduler first.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const lease of this.#keeper.loseAll('closed')) this.#toRelease.push(lease.id);
    this.#stopWakeTimer();
    if (this.#probe !== undefined) clearInterval(this.#probe);
    try {
      await this.#flushReleases();
    } catch {
      // Unreachable: the leases expire on their own.
    }
    this.#subscriber.disconnect();
    if (this.#ownsClient) this.#store.redis.disconnect();
  }

  /** Opens a gate for one scheduler or run (what they call `take` and `release` on). */
  openGate(): CapacityGate<object, object> & Required<Pick<CapacityGate<object, object>, 'amounts'>> {
    return new RedisGate(this, this.#view) as unknown as CapacityGate<object, object> &
      Required<Pick<CapacityGate<object, object>, 'amounts'>>;
  }

  // ——— used by gates ———

  /** @internal Registers a listener for changes that may let a waiting cost fit. */
  listen(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** @internal A gate started or stopped waiting. */
  waiting(delta: 1 | -1): void {
    this.#waiting += delta;
    if (this.#waiting > 0 && this.#wakeTimer === undefined) this.#armWakeTimer(this.#fallbackMs);
    if (this.#waiting === 0) this.#stopWakeTimer();
  }

  /**
   * @internal Takes `cost` at this node and up, as a lease. Resolves with the lease, or with the reason it
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
      reply = (await this.#run(
        scripts.acquire,
        [id, this.#ttlMs, this.node, ...cost.args],
        'acquire',
      )) as Reply[];
    } catch (error) {
      // It may still run when the store comes back: give it back then (release is idempotent).
      this.#giveBack(id);
      return { kind: 'unavailable', error: error as Error };
    }
    switch (reply[0]) {
      case 'ok': {
        this.#view.update(reply[4] as Reply);
        this.#noteEarliest(Number(reply[3]), Number(reply[2]));
        const lease = new Lease(id, cost, 0);
        this.#keeper.add(lease, sentAt);
        return lease;
      }
      case 'short':
        this.#view.update(reply[5] as Reply);
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

  /** @internal Gives a lease back (once; a lost lease is given back too, in case the store still has it). */
  release(lease: Lease): void {
    if (!lease.ended) this.#keeper.remove(lease);
    else lease.onLost = undefined;
    this.#view.apply(lease.amounts, -1);
    this.#giveBack(lease.id);
  }

  /** @internal Resolves once every release given so far has reached the store (or failed to). */
  async flushed(): Promise<void> {
    await this.#flushReleases().catch(noop);
  }

  /** @internal Replaces what a lease holds by `amounts` (a task corrected its cost or gave part back). */
  adjust(lease: Lease, amounts: Readonly<ResourceCost>, args: readonly string[]): void {
    this.#view.apply(lease.amounts, -1);
    this.#view.apply(amounts, 1);
    lease.amounts = amounts;
    // In order with this connection's other calls; if the store is away the lease keeps its old amounts.
    this.#run(scripts.adjust, [lease.id, this.node, ...args], 'adjust').catch(noop);
    this.#notify();
  }

  /** @internal Tells every gate's scheduler that something may fit now. */
  #notify(): void {
    for (const listener of [...this.#listeners]) listener();
  }

  #wake(): void {
    this.#view.stale();
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
    const call = this.#run(scripts.release, [this.node, ...ids], 'release').then(
      (reply) => {
        const r = reply as Reply[];
        this.#view.update(r[3] as Reply);
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
    const reply = (await this.#run(scripts.renew, [this.#ttlMs, ...ids], 'renew')) as Reply[];
    return ((reply[2] as Reply[]) ?? []).map(String);
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
        this.#wake();
      }
    }, ms);
  }

  #stopWakeTimer(): void {
    if (this.#wakeTimer !== undefined) clearTimeout(this.#wakeTimer);
    this.#wakeTimer = undefined;
  }

  async #run(script: Script, args: readonly (string | number)[], operation: string): Promise<Reply> {
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
    this.#wake();
  }

  #markUp(): void {
    if (!this.#down) return;
    this.#down = false;
    if (this.#probe !== undefined) clearInterval(this.#probe);
    this.#probe = undefined;
    this.#wake();
  }
}

/** Why the store refused a take for good (the task fails with the matching error). */
export type AcquireRefusal =
  | { kind: 'unavailable'; error: Error }
  | { kind: 'unknown_node'; node: string }
  | { kind: 'unknown_resource'; resource: string }
  | { kind: 'exceeds'; resource: string; node: string; requested: number; ceiling: number };

/** Our own connections wait for the server across a restart; every call has its own deadline instead. */
const clientOptions = {
  maxRetriesPerRequest: null,
  retryStrategy: (times: number): number => Math.min(50 * times, 500),
};

function noop(): void {}

/** The tree's nodes, parents before children, as `[name, parent, [[resource, scaled], …]]`. */
function orderTree(
  tree: Readonly<Record<string, RedisNodeDefinition>>,
): [string, string, [string, string][]][] {
  const names = Object.keys(tree);
  const out: [string, string, [string, string][]][] = [];
  const placed = new Set<string>();
  const visiting = new Set<string>();
  const place = (name: string): void => {
    if (placed.has(name)) return;
    if (visiting.has(name))
      throw new InvalidOptionError(`${name}.parent`, tree[name]?.parent, 'no cycle of parents');
    visiting.add(name);
    const def = tree[name] as RedisNodeDefinition;
    if (typeof def !== 'object' || def === null)
      throw new InvalidOptionError(name, def, '{ parent?, limits }');
    const parent = def.parent;
    if (parent !== undefined && (typeof parent !== 'string' || parent === '' || parent === name))
      throw new InvalidOptionError(`${name}.parent`, parent, 'the name of another node');
    if (parent !== undefined && Object.hasOwn(tree, parent)) place(parent);
    const pairs = scaledLimits(def.limits);
    const limits: [string, string][] = [];
    for (let i = 0; i < pairs.length; i += 2) limits.push([pairs[i] as string, pairs[i + 1] as string]);
    out.push([name, parent ?? '', limits]);
    placed.add(name);
  };
  for (const name of names) place(name);
  return out;
}
