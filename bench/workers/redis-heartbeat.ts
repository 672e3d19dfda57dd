/**
 * Heartbeat cost: one process holds n live leases on a Redis budget tree; what does renewing them cost?
 * Usage: redis-heartbeat.ts <leases-1k|leases-10k> <windowMs>
 *
 * The process takes n leases through a `RedisCapacity` gate (cost {gpu:0.001,cpu:0.001} each, limits far above),
 * with `heartbeatMs: 100` and the default TTL (10 s), and then:
 * 1. Watches its own heartbeats from the server for `windowMs`, nothing else running: the SLOWLOG (threshold
 *    100 µs: every renewal, none of the commands inside it) shows each RENEW script call, its server time in µs
 *    and its argument count, and `INFO commandstats` counts every script call in the window (all must be
 *    renewals the slowlog saw). From it: renewal calls per heartbeat (calls ÷ windowMs/heartbeatMs; the library
 *    renews at most 1,000 ids per call, so 1 for 1k leases and 10 for 10k), lease ids per call and the server
 *    time of one call, per lease and per heartbeat.
 * 2. Times direct EVALSHA calls of the RENEW script (the source exported by src/redis/scripts.ts, the store's key
 *    layout) with one call's worth of the lease ids (at most 1,000), on a connection of its own, for up to
 *    `windowMs` (at most 400 calls):
 *    the wall time of one renewal call as a client sees it (argument encoding, loopback, the script, the reply).
 * The slowlog settings are restored at the end.
 */
import type { Redis } from 'ioredis';
import { RedisCapacity } from '../../src/redis/index.js';
import type { Lease } from '../../src/redis/lease.js';
import { RENEW } from '../../src/redis/scripts.js';
import { Script, Store } from '../../src/redis/store.js';
import { workerRedis } from '../lib/redis-server.js';
import { median } from '../lib/stats.js';
import { emit, expectCount, fail, type Metrics } from './common.js';
import { adminClient, benchNamespace, dropNamespace, TREE } from './redis-common.js';

const HEARTBEAT_MS = 100;
const TTL_MS = 10_000;
const COST = { gpu: 0.001, cpu: 0.001 };
/** Arguments of an EVALSHA of RENEW before the lease ids: EVALSHA, sha, numkeys, 4 keys, channel, ttl. */
const FIXED_ARGS = 9;
/** Lease ids per renewal call, as the library sends them. */
const CHUNK = 1000;
/** SLOWLOG threshold while watching, µs: above a single command, below one renewal of 100+ leases. */
const SLOWLOG_US = 100;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] as number;
}

/** Takes n leases, 16 takes in flight. */
async function takeLeases(capacity: RedisCapacity, n: number): Promise<Lease[]> {
  const gate = capacity.openGate();
  const prepared = gate.prepare('hold', COST);
  if (prepared instanceof Error) fail(`prepare: ${prepared.message}`);
  const leases: Lease[] = [];
  const loop = async (): Promise<void> => {
    while (leases.length < n) {
      const held = await gate.take(prepared);
      if (held === undefined) fail('a take took nothing: the limits should be far above what is held');
      leases.push(held as Lease);
    }
  };
  await Promise.all(Array.from({ length: 16 }, loop));
  // The last loops may overshoot by a few: give those back.
  for (const extra of leases.splice(n)) gate.release(extra);
  await capacity.settled();
  return leases;
}

interface SlowlogEntry {
  durationUs: number;
  args: string[];
}

/** Calls of `command` the server counted so far (commands run inside scripts are counted too). */
async function calls(admin: Redis, command: string): Promise<number> {
  const info = await admin.info('commandstats');
  const m = new RegExp(`^cmdstat_${command}:calls=(\\d+)`, 'm').exec(info);
  return m === null ? 0 : Number(m[1]);
}

/**
 * What the server ran during `ms`: SLOWLOG entries over {@link SLOWLOG_US} (each renewal call, not the commands
 * inside it, which take about a µs each and would otherwise flood the log), and the counted EVALSHA and ZSCORE
 * calls (RENEW runs one ZSCORE per lease id). The slowlog settings are restored after.
 */
async function watch(
  admin: Redis,
  ms: number,
): Promise<{ log: SlowlogEntry[]; evalshaCalls: number; zscoreCalls: number }> {
  const [, threshold] = (await admin.config('GET', 'slowlog-log-slower-than')) as [string, string];
  const [, maxLen] = (await admin.config('GET', 'slowlog-max-len')) as [string, string];
  try {
    await admin.config('SET', 'slowlog-max-len', '1024');
    await admin.config('SET', 'slowlog-log-slower-than', String(SLOWLOG_US));
    await admin.call('SLOWLOG', 'RESET');
    const evalsha0 = await calls(admin, 'evalsha');
    const zscore0 = await calls(admin, 'zscore');
    await sleep(ms);
    const evalshaCalls = (await calls(admin, 'evalsha')) - evalsha0;
    const zscoreCalls = (await calls(admin, 'zscore')) - zscore0;
    const raw = (await admin.call('SLOWLOG', 'GET', '-1')) as [number, number, number, string[]][];
    const log = raw.map((e) => ({ durationUs: Number(e[2]), args: e[3].map(String) }));
    return { log, evalshaCalls, zscoreCalls };
  } finally {
    await admin.config('SET', 'slowlog-log-slower-than', threshold);
    await admin.config('SET', 'slowlog-max-len', maxLen);
    await admin.call('SLOWLOG', 'RESET');
  }
}

/** The argument count of a logged command (SLOWLOG keeps 32 and ends with "... (N more arguments)"). */
function argCount(args: string[]): number {
  const m = /^\.\.\. \((\d+) more arguments\)$/.exec(args[args.length - 1] ?? '');
  return m === null ? args.length : args.length - 1 + Number(m[1]);
}

async function main(): Promise<void> {
  const contender = process.argv[2] ?? '';
  const windowMs = Number(process.argv[3] ?? 2000);
  const sizes: Record<string, number> = { 'leases-1k': 1_000, 'leases-10k': 10_000 };
  const n = sizes[contender];
  if (n === undefined) fail(`unknown contender ${contender}`);
  if (!(windowMs >= 10 * HEARTBEAT_MS)) fail(`window must be at least ${10 * HEARTBEAT_MS} ms`);

  const server = await workerRedis();
  const admin = adminClient(server.url);
  const direct = adminClient(server.url);
  const namespace = benchNamespace('heartbeat');
  const capacity = new RedisCapacity({
    redis: server.url,
    namespace,
    node: 'team-a',
    leaseTtlMs: TTL_MS,
    heartbeatMs: HEARTBEAT_MS,
  });
  await capacity.define(TREE);
  const t0 = performance.now();
  const leases = await takeLeases(capacity, n);
  const takeMs = performance.now() - t0;
  expectCount('live leases', capacity.leases, n);

  // 1. The library's own heartbeats, seen from the server.
  const renewSha = new Script(RENEW).sha;
  const { log, evalshaCalls, zscoreCalls } = await watch(admin, windowMs);
  const renews = log.filter((e) => e.args[0]?.toLowerCase() === 'evalsha' && e.args[1] === renewSha);
  // Nothing else runs in the window: every script call is a renewal, and the slowlog saw each of them.
  if (renews.length === 0) fail(`no RENEW call in ${windowMs} ms (heartbeat ${HEARTBEAT_MS} ms)`);
  expectCount('script calls in the window (all renewals, all in the slowlog)', evalshaCalls, renews.length);
  const idsPerCall = renews.map((e) => argCount(e.args) - FIXED_ARGS);
  const serverUs = renews.map((e) => e.durationUs);
  expectCount('live leases after the window', capacity.leases, n);

  // 2. Direct EVALSHA of the same script with the same ids, timed by the client.
  const store = new Store(direct, namespace);
  const ids = leases.map((l) => l.id).slice(0, CHUNK);
  await direct.script('LOAD', RENEW);
  const argv = [...store.keys, store.channel, TTL_MS, ...ids];
  const renewOnce = async (): Promise<number> => {
    const s = performance.now();
    const reply = (await direct.evalsha(renewSha, store.keys.length, ...argv)) as [number, number, unknown[]];
    const us = (performance.now() - s) * 1000;
    if (!Array.isArray(reply[2]) || reply[2].length !== 0)
      fail(`direct renew: ${String(reply[2]?.length)} ids lost`);
    return us;
  };
  for (let i = 0; i < 10; i++) await renewOnce();
  const wall: number[] = [];
  const until = performance.now() + windowMs;
  while (wall.length < 400 && performance.now() < until) wall.push(await renewOnce());

  const out: Metrics = {
    contender,
    leases: n,
    heartbeatMs: HEARTBEAT_MS,
    windowMs,
    takeMs,
    renewCalls: renews.length,
    callsPerBeat: renews.length / (windowMs / HEARTBEAT_MS),
    idsPerCall: Math.min(...idsPerCall),
    idsPerCallMax: Math.max(...idsPerCall),
    // RENEW checks each id with one ZSCORE: the server's own count of lease checks per call.
    zscorePerCall: zscoreCalls / evalshaCalls,
    serverUs: median(serverUs),
    serverUsMax: Math.max(...serverUs),
    serverUsPerLease: median(serverUs) / median(idsPerCall),
    serverUsPerBeat:
      (serverUs.reduce((a, b) => a + b, 0) / renews.length) * (renews.length / (windowMs / HEARTBEAT_MS)),
    directCalls: wall.length,
    renewUs: median(wall),
    renewP99Us: quantile(wall, 0.99),
    usPerLease: median(wall) / ids.length,
  };
  await capacity.close();
  await dropNamespace(admin, namespace);
  admin.disconnect();
  direct.disconnect();
  await server.stop();
  emit(out);
}

await main();
