/**
 * `npm run bench`: runs every scenario in bench/scenarios.ts, each contender in its own process, rounds
 * interleaved (round r starts from a different contender), then prints medians and paired ratios and writes
 * bench/results/latest.json.
 *
 * Env: BENCH_ROUNDS (default 5), BENCH_HEAVY_ROUNDS (memory/million/scaling, default 3, never more than BENCH_ROUNDS),
 * BENCH_QUICK=1 (1 round, small sizes), BENCH_BUDGET_MS (per-run budget in the million/scaling workers),
 * BENCH_ONLY=throughput,memory (run a subset), BENCH_TIMEOUT_MS (hard kill per child, default 180 s).
 *
 * Scenarios that need redis-server get one of our own (started from PATH before the first of them, on a free
 * loopback port, stopped by pid at the end); without redis-server on PATH they are skipped with a message.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadBaseline } from './lib/baseline.js';
import { runWorker } from './lib/child.js';
import { BenchRedis, redisMissing, redisServerPath } from './lib/redis-server.js';
import { type RoundEntry, summarise, table } from './lib/report.js';
import { rotate } from './lib/stats.js';
import { scenarios } from './scenarios.js';

function intEnv(name: string, fallback: number): number {
  const v = Number(process.env[name]);
  return Number.isInteger(v) && v > 0 ? v : fallback;
}

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const quick = process.env.BENCH_QUICK === '1';
const rounds = quick ? 1 : intEnv('BENCH_ROUNDS', 5);
const heavyRounds = Math.min(rounds, quick ? 1 : intEnv('BENCH_HEAVY_ROUNDS', 3));
const timeoutMs = intEnv('BENCH_TIMEOUT_MS', 180_000);
const only = process.env.BENCH_ONLY?.split(',').filter((s) => s !== '');
const list = scenarios({ rounds, heavyRounds, quick }).filter(
  (s) => only === undefined || only.includes(s.name),
);

const baseline = loadBaseline(root);

// Our redis-server, started before the first scenario that needs it; killed by pid however the run ends.
let redis: BenchRedis | undefined;
let redisVersion: string | undefined;
process.on('exit', () => redis?.stopSync());
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    redis?.stopSync();
    process.exit(signal === 'SIGINT' ? 130 : 143);
  });
}

const started = new Date();
const load0 = loadavg();
const t0 = performance.now();
const results = [];
let failed = false;
const out: string[] = [];

for (const scenario of list) {
  if (scenario.needs === 'redis-server') {
    if (redisMissing !== undefined) {
      const block = `\n## ${scenario.name}: skipped: ${redisMissing}`;
      results.push({ name: scenario.name, title: scenario.title, skipped: redisMissing });
      out.push(block);
      process.stdout.write(`${block}\n`);
      continue;
    }
    if (redis === undefined) {
      redis = await BenchRedis.start();
      redisVersion = execFileSync(redisServerPath as string, ['--version'], { encoding: 'utf8' }).trim();
      process.env.BENCH_REDIS_URL = redis.url;
      process.stderr.write(`[redis-server pid ${redis.pid} on ${redis.url}: ${redisVersion}]\n`);
    }
  }
  const entries: RoundEntry[] = [];
  // A contender that failed once (crash, hang, wrong count) is not run again in this scenario.
  const broken = new Set<string>();
  for (let round = 0; round < scenario.rounds; round++) {
    for (const contender of rotate(scenario.contenders, round)) {
      if (broken.has(contender)) continue;
      const r = await runWorker(root, scenario.worker, scenario.args(contender), timeoutMs);
      entries.push({ ...r, contender, round });
      const what = r.ok ? 'ok' : `FAILED: ${r.error}`;
      process.stderr.write(
        `[${scenario.name} ${round + 1}/${scenario.rounds}] ${contender.padEnd(22)} ${(r.wallMs / 1000).toFixed(1)} s ${what}\n`,
      );
      if (!r.ok) {
        failed = true;
        broken.add(contender);
      }
    }
  }
  const summary = summarise(scenario, entries);
  results.push({ name: scenario.name, title: scenario.title, rounds: scenario.rounds, summary, entries });
  const block = `\n## ${scenario.name}: ${scenario.title} (${scenario.rounds} round${scenario.rounds > 1 ? 's' : ''})\n\n${table(scenario, summary, baseline)}`;
  out.push(block);
  process.stdout.write(`${block}\n`);
}

if (redis !== undefined) {
  await redis.stop();
  redis = undefined;
}

const totalS = (performance.now() - t0) / 1000;
const meta = {
  started: started.toISOString(),
  node: process.version,
  cpus: cpus().length,
  cpuModel: cpus()[0]?.model ?? 'unknown',
  loadavgStart: load0,
  loadavgEnd: loadavg(),
  rounds,
  heavyRounds,
  quick,
  budgetMs: process.env.BENCH_BUDGET_MS ?? 'default',
  ...(redisVersion !== undefined && { redisServer: redisVersion }),
  totalSeconds: totalS,
};
const dir = join(root, 'bench', 'results');
mkdirSync(dir, { recursive: true });
writeFileSync(join(dir, 'latest.json'), `${JSON.stringify({ meta, scenarios: results }, null, 2)}\n`);
if (baseline !== undefined) {
  process.stdout.write(`\n\`before\` columns: ${baseline.label}; measured ${baseline.measured}.\n`);
}
process.stdout.write(
  `\ntotal ${totalS.toFixed(0)} s; load average ${load0.map((x) => x.toFixed(1)).join('/')} at start. ` +
    'Ratios are medians of per-round ratios (same round, so machine noise mostly cancels). ' +
    'Full results: bench/results/latest.json\n',
);
if (failed) process.exitCode = 1;
