import { resolve } from 'node:path';
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import type { ResourceCost } from '../foundation/resource-cost.js';
import { DefaultCapacityMetricsCollector } from '../metrics/default-capacity-metrics-collector.js';
import { JsonLines } from './output/json-lines.js';
import { LiveView } from './output/live-view.js';
import { startMetricsServer } from './output/metrics-server.js';
import { PlainLines } from './output/plain-lines.js';
import { writeReport } from './output/report.js';
import { formatSummary } from './output/summary.js';
import { writeTrace } from './output/trace.js';
import { formatIssue, loadPipeline } from './pipeline/load-pipeline.js';
import type { Pipeline } from './pipeline/pipeline.js';
import { liveGroups } from './process/run-command.js';
import { formatPlan, planRun } from './run/dry-run.js';
import type { RunObserver, RunPlan } from './run/run-observer.js';
import { runPipeline } from './run/run-pipeline.js';
import { selectJobs } from './run/select-jobs.js';

/** Where the CLI writes, and whether its output is a terminal. */
export interface CliIo {
  stdout: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  stderr: NodeJS.WritableStream;
}

/** Exit codes: every job completed; some job did not; the file (or a flag) is invalid; stopped by a signal. */
export const EXIT = { ok: 0, jobsFailed: 1, invalid: 2, sigint: 130, sigterm: 143 } as const;

interface RunFlags {
  resources?: ResourceCost;
  jobs?: string[];
  dryRun?: boolean;
  trace?: string;
  report?: string;
  metricsPort?: number;
  logDir?: string;
  json?: boolean;
  grace?: number;
}

/** Runs the CLI with `argv` (without `node` and the script) and resolves with its exit code. */
export async function main(argv: readonly string[], io: CliIo = process): Promise<number> {
  let code: number = EXIT.ok;
  const program = new Command('allot')
    .description('Run command pipelines under a multi-resource budget.')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
    });
  program
    .command('validate')
    .description('check a pipeline file and print what is wrong, with line and column')
    .argument('<file>', 'pipeline file (YAML or JSON)')
    .option('--resources <list>', 'override resource limits, e.g. gpu=2,cpu=3', parseResources)
    .action(async (file: string, flags: { resources?: ResourceCost }) => {
      const pipeline = await load(file, flags.resources, io);
      if (pipeline === undefined) code = EXIT.invalid;
      else io.stdout.write(`${pipeline.file}: valid, ${pipeline.jobs.length} jobs\n`);
    });
  program
    .command('run')
    .description('run a pipeline file')
    .argument('<file>', 'pipeline file (YAML or JSON)')
    .option('--resources <list>', 'override resource limits, e.g. gpu=2,cpu=3', parseResources)
    .option('--jobs <names>', 'run only these jobs and what they depend on', (v: string) =>
      v.split(',').filter((s) => s !== ''),
    )
    .option('--dry-run', 'print the plan (and the predicted makespan, with estimates) and run nothing')
    .option('--trace <file>', 'write a Chrome trace (Perfetto, chrome://tracing)')
    .option('--report <file>', 'write a self-contained HTML report')
    .option('--metrics-port <port>', 'serve Prometheus /metrics on 127.0.0.1', parsePort)
    .option('--log-dir <dir>', 'where each job’s output goes (default: allot-logs next to the file)')
    .option('--json', 'print events as JSON lines on stdout (human text goes to stderr)')
    .option('--grace <seconds>', 'time between SIGTERM and SIGKILL when stopping a job', parseSeconds)
    .action(async (file: string, flags: RunFlags) => {
      code = await run(file, flags, io);
    });
  try {
    await program.parseAsync([...argv], { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT.ok : EXIT.invalid;
    throw error;
  }
  return code;
}

async function load(
  file: string,
  resources: ResourceCost | undefined,
  io: CliIo,
): Promise<Pipeline | undefined> {
  const loaded = await loadPipeline(file, resources === undefined ? {} : { resources });
  if (loaded.ok) return loaded.pipeline;
  for (const issue of loaded.issues) io.stderr.write(`${formatIssue(issue)}\n`);
  io.stderr.write(`${loaded.issues.length} problem(s) in ${file}; nothing was run\n`);
  return undefined;
}

async function run(file: string, flags: RunFlags, io: CliIo): Promise<number> {
  const pipeline = await load(file, flags.resources, io);
  if (pipeline === undefined) return EXIT.invalid;
  let jobs: ReturnType<typeof selectJobs>;
  try {
    jobs = selectJobs(pipeline, flags.jobs);
  } catch (error) {
    io.stderr.write(`${(error as Error).message}\n`);
    return EXIT.invalid;
  }
  if (flags.dryRun === true) {
    io.stdout.write(formatPlan(pipeline, await planRun(pipeline, jobs)));
    return EXIT.ok;
  }

  const plan: RunPlan = {
    file: pipeline.file,
    limits: pipeline.resources,
    jobs: jobs.map((j) => ({
      name: j.name,
      cost: j.cost,
      ...(j.total === undefined ? {} : { total: j.total }),
    })),
  };
  const human = flags.json === true ? io.stderr : io.stdout;
  const observers: RunObserver[] = [];
  if (flags.json === true) observers.push(new JsonLines(io.stdout));
  if (flags.json !== true && io.stdout.isTTY === true) observers.push(new LiveView(plan, io.stdout));
  else observers.push(new PlainLines(human));

  const collector = new DefaultCapacityMetricsCollector();
  const metrics =
    flags.metricsPort === undefined
      ? undefined
      : await startMetricsServer({ port: flags.metricsPort, plan, collector });
  if (metrics !== undefined) {
    observers.push(metrics.observer);
    io.stderr.write(`metrics: ${metrics.url}\n`);
  }

  // First Ctrl-C (or SIGTERM): stop starting jobs and stop the running ones gently; a second one kills at once.
  const stop = new AbortController();
  let stoppedBy: NodeJS.Signals | undefined;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stoppedBy !== undefined) {
      liveGroups.killAllNow();
      return;
    }
    stoppedBy = signal;
    io.stderr.write(`\n${signal}: stopping running jobs (again to kill them at once)\n`);
    stop.abort(new Error(`stopped by ${signal}`));
  };
  const lastResort = (): void => liveGroups.killAllNowSync();
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('exit', lastResort);
  try {
    const logDir = flags.logDir === undefined ? resolve(pipeline.dir, 'allot-logs') : resolve(flags.logDir);
    const { record, exitCode } = await runPipeline({
      pipeline,
      jobs: jobs.map((j) => j.name),
      logDir,
      observers,
      signal: stop.signal,
      collector,
      ...(flags.grace === undefined ? {} : { graceMs: flags.grace * 1000 }),
    });
    human.write(`\n${formatSummary(record)}`);
    human.write(`logs: ${logDir}\n`);
    if (flags.trace !== undefined) {
      await writeTrace(resolve(flags.trace), record);
      human.write(`trace: ${resolve(flags.trace)}\n`);
    }
    if (flags.report !== undefined) {
      await writeReport(resolve(flags.report), record);
      human.write(`report: ${resolve(flags.report)}\n`);
    }
    if (stoppedBy === 'SIGINT') return EXIT.sigint;
    if (stoppedBy === 'SIGTERM') return EXIT.sigterm;
    return exitCode;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    process.off('exit', lastResort);
    await metrics?.close();
  }
}

/** `gpu=2,cpu=3` → `{ gpu: 2, cpu: 3 }`. */
export function parseResources(text: string): ResourceCost {
  const out: ResourceCost = {};
  for (const part of text.split(',')) {
    const m = /^\s*([^=\s]+)\s*=\s*([0-9.]+)\s*$/.exec(part);
    const amount = m === null ? Number.NaN : Number(m[2]);
    if (m === null || !Number.isFinite(amount) || amount < 0)
      throw new InvalidArgumentError(`"${part}" is not resource=amount (e.g. gpu=2,cpu=3)`);
    out[m[1] as string] = amount;
  }
  return out;
}

function parsePort(text: string): number {
  const port = Number(text);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new InvalidArgumentError(`"${text}" is not a port number (0–65535)`);
  return port;
}

function parseSeconds(text: string): number {
  const s = Number(text);
  if (!Number.isFinite(s) || s < 0) throw new InvalidArgumentError(`"${text}" is not a number of seconds`);
  return s;
}
