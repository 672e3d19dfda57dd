import { Redis } from 'ioredis';
import { InvalidOptionError } from '../errors/option-errors.js';
import { UnknownNodeError } from '../errors/shared-capacity-errors.js';
import type { ResourceCost } from '../foundation/resource-cost.js';
import type { CapacityGate, ExternalCapacity } from '../runner/capacity-gate.js';
import { RedisGate } from './redis-gate.js';
import { SCALE, scaledLimits } from './remote-cost.js';
import { type Reply, Store } from './store.js';
import { scripts, TreeClient } from './tree-client.js';

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
  readonly #client: TreeClient;
  readonly #ttlMs: number;

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
    let redis: Redis;
    if (typeof options.redis === 'string') {
      redis = new Redis(options.redis, clientOptions);
      this.#ownsClient = true;
    } else if (options.redis instanceof Redis) {
      redis = options.redis;
      this.#ownsClient = false;
    } else throw new InvalidOptionError('redis', options.redis, 'a redis:// URL or an ioredis client');
    // Errors surface through the calls that meet them; an unhandled 'error' event would crash the process.
    redis.on('error', noop);
    this.#store = new Store(redis, namespace);
    const client = new TreeClient(this.#store, {
      node,
      ttlMs: ttl,
      heartbeatMs: heartbeat,
      unavailableMs: unavailable,
      fallbackMs: fallback,
    });
    this.#client = client;
    this.#subscriber = redis.duplicate(clientOptions);
    this.#subscriber.on('error', noop);
    this.#subscriber.on('message', () => client.wake());
    // Messages sent while disconnected are lost: after a reconnection, look again.
    this.#subscriber.on('ready', () => client.wake());
    this.#subscriber.subscribe(this.#store.channel).catch(noop);
  }

  /** Lease time to live in ms. */
  get leaseTtlMs(): number {
    return this.#ttlMs;
  }

  /** Last known limits at this node (a copy; empty before the first answer from the store). */
  get limits(): Readonly<ResourceCost> {
    return this.#client.view.own('limits');
  }

  /** Last known amounts in use at this node, by every process (a copy). */
  get inUse(): Readonly<ResourceCost> {
    return this.#client.view.own('inUse');
  }

  /** Last known amounts available at this node (a copy). */
  get available(): Readonly<ResourceCost> {
    return this.#client.view.own('available');
  }

  /** Last known limit of one resource at this node. */
  limitOf(resource: string): number | undefined {
    return this.#client.view.limitOf(resource);
  }

  /** Live leases this process holds. */
  get leases(): number {
    return this.#client.leases;
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
    const reply = await this.#client.call(scripts.define, [JSON.stringify(ordered)], 'define');
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
    const reply = await this.#client.call(scripts.setLimits, [node, ...pairs], 'setLimits');
    if (Array.isArray(reply) && reply[0] === 'unknown_node') throw new UnknownNodeError(node, this.namespace);
    await this.refresh();
  }

  /** Every node of the tree with its limits, amounts in use and live lease count, in user units. */
  async snapshot(): Promise<Record<string, RedisNodeSnapshot>> {
    const reply = (await this.#client.call(scripts.snapshot, [], 'snapshot')) as Reply[];
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
  refresh(): Promise<void> {
    return this.#client.refresh();
  }

  /** Resolves once every release this process has given so far has reached Redis (or failed to). */
  settled(): Promise<void> {
    return this.#client.flushed();
  }

  /**
   * Gives back this process's leases at once (their tasks' signals fire with `LeaseLostError`), stops renewing,
   * and disconnects the connections it opened. Does not wait for running tasks: close the scheduler first.
   */
  async close(): Promise<void> {
    await this.#client.shutdown();
    this.#subscriber.disconnect();
    if (this.#ownsClient) this.#store.redis.disconnect();
  }

  /** Opens a gate for one scheduler or run (what they call `take` and `release` on). */
  openGate(): CapacityGate<object, object> & Required<Pick<CapacityGate<object, object>, 'amounts'>> {
    return new RedisGate(this.#client, this.#client.view) as unknown as CapacityGate<object, object> &
      Required<Pick<CapacityGate<object, object>, 'amounts'>>;
  }
}

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
