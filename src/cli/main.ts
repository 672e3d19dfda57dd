import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError } from 'commander';
import type { ResourceCost } from '../foundation/resource-cost.js';
import { DefaultCapacityMetricsCollector } from '../metrics/default-capacity-metrics-collector.js';
import { parseJobList, parsePort, parseResources, parseSeconds } from './flags.js';
import { JsonLines } from './output/json-lines.js';
import { LiveView } from './output/live-view.js';
import { startMetricsServer } from './output/metrics-server.js';
import { checkDirectory, checkOutputFile } from './output/output-paths.js';
import { PlainLines } from './output/plain-lines.js';
import { writeReport } from './output/report.js';
import { safeStream } from './output/safe-stream.js';
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
  stdout: NodeJS.WritableStream & { isTTY?: boolean; columns?: number; rows?: number };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
}

/** Exit codes: every job completed; some job did not; the file (or a flag) is invalid. */
export const EXIT = { ok: 0, jobsFailed: 1, invalid: 2 } as const;

/** The signals that stop a run, and the exit code after each (128 + its number, as shells report it). */
const STOP_SIGNALS = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129, SIGQUIT: 131 } as const;
type StopSignal = keyof typeof STOP_SIGNALS;

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
    .version(packageVersion())
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
    .option('--jobs <names>', 'run only these jobs and what they depend on', parseJobList)
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

async function run(file: string, flags: RunFlags, cliIo: CliIo): Promise<number> {
  // Output whose reader went away (`| head`) is dropped; the run itself goes on.
  const io = { stdout: safeStream(cliIo.stdout), stderr: safeStream(cliIo.stderr) };
  const pipeline = await load(file, flags.resources, cliIo);
  if (pipeline === undefined) return EXIT.invalid;
  let jobs: ReturnType<typeof selectJobs>;
  try {
    jobs = selectJobs(pipeline, flags.jobs);
  } catch (error) {
    io.stderr.write(`${(error as Error).message}\n`);
    return EXIT.invalid;
  }
  if (flags.dryRun === true) {
    const planned = await planRun(pipeline, jobs);
    io.stdout.write(
      flags.json === true ? `${JSON.stringify(planJson(planned))}\n` : formatPlan(pipeline, planned),
    );
    return EXIT.ok;
  }

  // Everything the run will write must be writable before a job starts.
  const logDir = flags.logDir === undefined ? resolve(pipeline.dir, 'allot-logs') : resolve(flags.logDir);
  const trace = flags.trace === undefined ? undefined : resolve(flags.trace);
  const report = flags.report === undefined ? undefined : resolve(flags.report);
  const problems = await Promise.all([
    checkDirectory(logDir),
    trace === undefined ? undefined : checkOutputFile(trace),
    report === undefined ? undefined : checkOutputFile(report),
  ]);
  for (const problem of problems) if (problem !== undefined) io.stderr.write(`${problem}\n`);
  if (problems.some((p) => p !== undefined)) return EXIT.invalid;

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
  const live = flags.json !== true && io.stdout.isTTY === true ? new LiveView(plan, io.stdout) : undefined;
  observers.push(live ?? new PlainLines(human));
  // On a terminal a message goes above the live area; written beside it, the next redraw would overwrite it.
  const notice = (text: string): void => {
    if (live === undefined) io.stderr.write(`${text}\n`);
    else live.note(text);
  };

  const collector = new DefaultCapacityMetricsCollector();
  let metrics: Awaited<ReturnType<typeof startMetricsServer>> | undefined;
  if (flags.metricsPort !== undefined) {
    try {
      metrics = await startMetricsServer({ port: flags.metricsPort, plan, collector });
    } catch (error) {
      io.stderr.write(`${(error as Error).message}\n`);
      return EXIT.invalid;
    }
    observers.push(metrics.observer);
    io.stderr.write(`metrics: ${metrics.url}\n`);
  }

  // First signal: stop starting jobs and stop the running ones gently. A second one kills them at once, and
  // leaves if the run still cannot end (a job stuck where no signal reaches, such as opening a FIFO).
  const stop = new AbortController();
  let stoppedBy: StopSignal | undefined;
  const onSignal = (signal: StopSignal): void => {
    if (stoppedBy !== undefined) {
      liveGroups.killAllNow();
      setTimeout(() => process.exit(STOP_SIGNALS[signal]), 2000).unref();
      return;
    }
    stoppedBy = signal;
    notice(`${signal}: stopping running jobs (again to kill them at once)`);
    stop.abort(new Error(`stopped by ${signal}`));
  };
  const signals = Object.keys(STOP_SIGNALS) as StopSignal[];
  for (const signal of signals) process.on(signal, onSignal);
  const lastResort = (): void => liveGroups.killAllNowSync();
  process.on('exit', lastResort);
  try {
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
    let written = true;
    for (const [path, write, what] of [
      [trace, writeTrace, 'trace'],
      [report, writeReport, 'report'],
    ] as const) {
      if (path === undefined) continue;
      try {
        await write(path, record);
        human.write(`${what}: ${path}\n`);
      } catch (error) {
        written = false;
        io.stderr.write(`could not write the ${what} ${path}: ${(error as Error).message}\n`);
      }
    }
    if (stoppedBy !== undefined) return STOP_SIGNALS[stoppedBy];
    return written ? exitCode : EXIT.jobsFailed;
  } finally {
    for (const signal of signals) process.off(signal, onSignal);
    process.off('exit', lastResort);
    await metrics?.close();
  }
}

/** The plan as one JSON object, for `--dry-run --json`. */
function planJson(plan: Awaited<ReturnType<typeof planRun>>): Record<string, unknown> {
  const predicted = new Map(plan.prediction?.tasks.map((t) => [t.key, t]));
  return {
    event: 'plan',
    jobs: plan.order.map((j) => ({
      job: j.name,
      cost: j.cost,
      deps: j.deps,
      ...(predicted.has(j.name)
        ? { startMs: predicted.get(j.name)?.startMs, endMs: predicted.get(j.name)?.endMs }
        : {}),
    })),
    ...(plan.prediction === undefined
      ? { unestimated: plan.unestimated }
      : { makespanMs: plan.prediction.makespanMs, utilization: plan.prediction.utilization }),
  };
}

/** The package's version, from the package.json above this file (in the source tree or the built one). */
function packageVersion(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
        name?: string;
        version?: string;
      };
      if (pkg.name === 'allot' && pkg.version !== undefined) return pkg.version;
    } catch {
      // Not here: look one folder up.
    }
    dir = dirname(dir);
  }
  return 'unknown';
}
