import { type ExternalCapacity, ResourceCapacitySource, type ResourceCost } from '../../src/index.js';
import { RedisCapacity } from '../../src/redis/index.js';
import { TestRedis } from '../support/redis-server.js';

/** A budget tree: node → parent and limits (parents listed before children). */
export type Tree = Record<string, { parent?: string; limits: ResourceCost }>;

/** One budget tree on one backend, seen from any of its nodes. */
export interface TreeUnderTest {
  /** A capacity drawing from `node` (for Redis: as if from a process of its own). */
  capacityFor(node: string): ResourceCapacitySource | ExternalCapacity;
  setLimits(node: string, limits: ResourceCost): Promise<void>;
  inUse(node: string): Promise<ResourceCost>;
  close(): Promise<void>;
}

/** A way to hold a budget tree: the in-memory source, or Redis. */
export interface Backend {
  readonly name: string;
  make(tree: Tree): Promise<TreeUnderTest>;
  /** Once per test file. */
  setup?(): Promise<void>;
  teardown?(): Promise<void>;
}

export const memoryBackend: Backend = {
  name: 'in-memory',
  async make(tree) {
    const sources = new Map<string, ResourceCapacitySource>();
    for (const [name, def] of Object.entries(tree))
      sources.set(
        name,
        new ResourceCapacitySource(
          def.limits,
          def.parent === undefined ? undefined : sources.get(def.parent),
        ),
      );
    const get = (node: string): ResourceCapacitySource => {
      const s = sources.get(node);
      if (s === undefined) throw new Error(`no node ${node}`);
      return s;
    };
    return {
      capacityFor: get,
      setLimits: async (node, limits) => get(node).setLimits(limits),
      inUse: async (node) => ({ ...get(node).inUse }),
      close: async () => {},
    };
  },
};

let namespaces = 0;

export function redisBackend(): Backend & { server(): TestRedis } {
  let server: TestRedis | undefined;
  return {
    name: 'redis',
    server: () => server as TestRedis,
    async setup() {
      server = await TestRedis.start();
    },
    async teardown() {
      await server?.stop();
    },
    async make(tree) {
      const url = (server as TestRedis).url;
      const namespace = `conformance-${process.pid}-${++namespaces}`;
      const opened: RedisCapacity[] = [];
      const open = (node: string): RedisCapacity => {
        const c = new RedisCapacity({ redis: url, namespace, node, leaseTtlMs: 5000, fallbackWakeMs: 200 });
        opened.push(c);
        return c;
      };
      const admin = open(Object.keys(tree)[0] as string);
      await admin.define(tree);
      const byNode = new Map<string, RedisCapacity>();
      for (const node of Object.keys(tree)) {
        const c = open(node);
        await c.refresh();
        byNode.set(node, c);
      }
      return {
        capacityFor: (node) => byNode.get(node) as RedisCapacity,
        setLimits: (node, limits) => admin.setLimits(node, limits),
        inUse: async (node) => (await admin.snapshot())[node]?.inUse ?? {},
        close: async () => {
          for (const c of opened) await c.close();
        },
      };
    },
  };
}
