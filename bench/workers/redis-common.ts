/**
 * Shared helpers for the Redis workers: the budget tree they define, an admin connection, and the server's own
 * counters (`INFO commandstats`, `INFO cpu`), read before and after a measured phase.
 */
import { Redis } from 'ioredis';
import { Store } from '../../src/redis/store.js';

/**
 * The 2-level tree of the Redis scenarios: a cluster and two teams under it, two resources, limits far above
 * anything the benchmarks hold at once (so nothing ever waits and every take succeeds).
 */
export const TREE = {
  cluster: { limits: { gpu: 1_000_000, cpu: 1_000_000 } },
  'team-a': { parent: 'cluster', limits: { gpu: 500_000, cpu: 500_000 } },
  'team-b': { parent: 'cluster', limits: { gpu: 500_000, cpu: 500_000 } },
};

/** A namespace no other run uses (keys are deleted at the end with {@link dropNamespace}). */
export function benchNamespace(what: string): string {
  return `bench-${what}-${process.pid}-${Math.floor(Math.random() * 1e9).toString(36)}`;
}

/** A plain connection for commands outside the library (stats, cleanup, direct script calls). */
export function adminClient(url: string): Redis {
  const client = new Redis(url, { maxRetriesPerRequest: 1 });
  client.on('error', () => {});
  return client;
}

/** Deletes the library's keys of `namespace`. */
export async function dropNamespace(admin: Redis, namespace: string): Promise<void> {
  const { keys } = new Store(admin, namespace);
  await admin.del(...keys);
}

/** Cumulative server counters. */
export interface ServerCounters {
  /** EVALSHA + EVAL calls (every library call is one script call). */
  scriptCalls: number;
  /** Server time inside those calls, µs. */
  scriptUsec: number;
  /** PUBLISH calls (made from inside the scripts). */
  publishCalls: number;
  /** Server CPU seconds, user + sys, main thread and all. */
  cpuSeconds: number;
}

function stat(info: string, command: string, field: 'calls' | 'usec'): number {
  const m = new RegExp(`^cmdstat_${command}:.*?\\b${field}=(\\d+)`, 'm').exec(info);
  return m === null ? 0 : Number(m[1]);
}

function cpu(info: string, field: string): number {
  const m = new RegExp(`^${field}:([\\d.]+)`, 'm').exec(info);
  return m === null ? 0 : Number(m[1]);
}

/** Reads the server's counters now. */
export async function serverCounters(admin: Redis): Promise<ServerCounters> {
  const stats = await admin.info('commandstats');
  const c = await admin.info('cpu');
  return {
    scriptCalls: stat(stats, 'evalsha', 'calls') + stat(stats, 'eval', 'calls'),
    scriptUsec: stat(stats, 'evalsha', 'usec') + stat(stats, 'eval', 'usec'),
    publishCalls: stat(stats, 'publish', 'calls'),
    cpuSeconds: cpu(c, 'used_cpu_user') + cpu(c, 'used_cpu_sys'),
  };
}

/** What the server did for `pairs` acquire+release pairs over `ms` of wall time, per pair. */
export function perPair(
  before: ServerCounters,
  after: ServerCounters,
  pairs: number,
  ms: number,
): {
  serverUsPerPair: number;
  serverCpuUsPerPair: number;
  callsPerPair: number;
  publishPerPair: number;
  serverCpu: number;
} {
  return {
    // Time inside the scripts as the server clocks it (wall time: it grows if the server is preempted).
    serverUsPerPair: (after.scriptUsec - before.scriptUsec) / pairs,
    // The server process's CPU per pair (scripts, networking, PUBLISH fan-out).
    serverCpuUsPerPair: ((after.cpuSeconds - before.cpuSeconds) * 1e6) / pairs,
    callsPerPair: (after.scriptCalls - before.scriptCalls) / pairs,
    publishPerPair: (after.publishCalls - before.publishCalls) / pairs,
    // Share of one core the server used over the phase (1 = saturated: Redis runs commands on one thread).
    serverCpu: (after.cpuSeconds - before.cpuSeconds) / (ms / 1000),
  };
}
