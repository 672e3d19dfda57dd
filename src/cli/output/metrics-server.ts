import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { DefaultCapacityMetricsCollector } from '../../metrics/default-capacity-metrics-collector.js';
import type { RunObserver, RunPlan } from '../run/run-observer.js';
import type { RunEvent } from '../run/run-record.js';

/** Options of {@link startMetricsServer}. */
export interface MetricsServerOptions {
  /** TCP port; 0 picks a free one (the returned `url` names it). */
  port: number;
  /** Only the loopback interface is served. */
  host?: '127.0.0.1';
  plan: RunPlan;
  /** The collector attached to the run's capacity source: what is in use is read from it at each scrape. */
  collector: DefaultCapacityMetricsCollector;
}

/** A running metrics server. */
export interface MetricsServer {
  /** Where the metrics are, e.g. `http://127.0.0.1:9464/metrics`. */
  url: string;
  /** Feeds the job counters, gauges and wait times: give it every event of the run. */
  observer: RunObserver;
  /** Stops serving and closes open connections. Calling it again does nothing. */
  close(): Promise<void>;
}

/** Seconds a job waits between becoming ready and starting: from instant to half an hour. */
const WAIT_BUCKETS = [0.01, 0.05, 0.1, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600, 1800];

const FAILED_STATES = ['failed', 'timed-out', 'cancelled', 'skipped'] as const;

/**
 * Serves the run's metrics at `GET /metrics` on 127.0.0.1, in the Prometheus text format, from a registry of
 * its own (nothing process-wide is touched): `allot_resource_in_use{resource}` (read from the collector at
 * scrape time), `allot_resource_limit{resource}`, `allot_jobs{state="queued|running"}`,
 * `allot_jobs_completed_total`, `allot_jobs_failed_total{state}`, `allot_job_retries_total` and the histogram
 * `allot_job_wait_seconds` (from a job's first `queued` to its first `start`). Any other path answers 404.
 *
 * Rejects when the port cannot be listened on, e.g. because it is in use, with an Error naming the port.
 */
export async function startMetricsServer(options: MetricsServerOptions): Promise<MetricsServer> {
  const { port, plan, collector } = options;
  const host = options.host ?? '127.0.0.1';
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`Cannot serve metrics on port ${String(port)}: a port is an integer from 0 to 65535`);
  }

  const registry = new Registry();
  const registers = [registry];
  new Gauge({
    name: 'allot_resource_in_use',
    help: 'Amount of each resource held by running jobs.',
    labelNames: ['resource'] as const,
    registers,
    collect() {
      const inFlight = collector.snapshot().inFlightByResource;
      for (const resource of new Set([...Object.keys(plan.limits), ...Object.keys(inFlight)]))
        this.set({ resource }, inFlight[resource] ?? 0);
    },
  });
  const limit = new Gauge({
    name: 'allot_resource_limit',
    help: 'Budget of each resource.',
    labelNames: ['resource'] as const,
    registers,
  });
  for (const [resource, amount] of Object.entries(plan.limits)) limit.set({ resource }, amount);

  // Each job's latest state, so the gauge can count them at scrape time.
  const stateOf = new Map<string, 'queued' | 'running' | 'other'>();
  new Gauge({
    name: 'allot_jobs',
    help: 'Jobs ready and waiting for capacity (queued) and running.',
    labelNames: ['state'] as const,
    registers,
    collect() {
      let queued = 0;
      let running = 0;
      for (const s of stateOf.values()) {
        if (s === 'queued') queued++;
        else if (s === 'running') running++;
      }
      this.set({ state: 'queued' }, queued);
      this.set({ state: 'running' }, running);
    },
  });
  const completed = new Counter({
    name: 'allot_jobs_completed_total',
    help: 'Jobs that completed.',
    registers,
  });
  const failed = new Counter({
    name: 'allot_jobs_failed_total',
    help: 'Jobs that ended without completing, by final state.',
    labelNames: ['state'] as const,
    registers,
  });
  // Every state is exported from the start, so a rate over it has a zero to begin from.
  for (const state of FAILED_STATES) failed.inc({ state }, 0);
  const retries = new Counter({
    name: 'allot_job_retries_total',
    help: 'Failed attempts that were retried.',
    registers,
  });
  const wait = new Histogram({
    name: 'allot_job_wait_seconds',
    help: 'Time from a job being ready (queued) to its first start, in seconds.',
    buckets: WAIT_BUCKETS,
    registers,
  });

  const queuedAt = new Map<string, number>();
  const started = new Set<string>();
  const observer: RunObserver = {
    event(e: RunEvent): void {
      switch (e.event) {
        case 'queued':
          stateOf.set(e.job, 'queued');
          if (!queuedAt.has(e.job)) queuedAt.set(e.job, e.time);
          return;
        case 'start': {
          stateOf.set(e.job, 'running');
          if (started.has(e.job)) return;
          started.add(e.job);
          const since = queuedAt.get(e.job);
          // A start always follows a queued event; without one there is no wait to measure.
          if (since !== undefined) wait.observe(Math.max(0, e.time - since) / 1000);
          return;
        }
        case 'retry':
          stateOf.set(e.job, 'other');
          retries.inc();
          return;
        case 'complete':
          stateOf.set(e.job, 'other');
          completed.inc();
          return;
        case 'fail':
          stateOf.set(e.job, 'other');
          failed.inc({ state: e.state });
          return;
        case 'progress':
        case 'usage':
          return;
      }
    },
  };

  const server = createServer((req, res) => {
    serve(req, res, registry);
  });
  await new Promise<void>((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException): void => {
      const why =
        error.code === 'EADDRINUSE'
          ? `port ${port} is already in use`
          : error.code === 'EACCES'
            ? `permission denied for port ${port}`
            : error.message;
      reject(new Error(`Cannot serve metrics on ${host}:${port}: ${why}`, { cause: error }));
    };
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
  // Past listening, a socket-level fault concerns one scrape; it must not end the run.
  server.on('error', () => {});

  const address = server.address();
  const actualPort = typeof address === 'object' && address !== null ? address.port : port;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${host}:${actualPort}/metrics`,
    observer,
    close(): Promise<void> {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Keep-alive connections of past scrapes would otherwise hold the close open.
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

function serve(req: IncomingMessage, res: ServerResponse, registry: Registry): void {
  const path = (req.url ?? '/').split('?')[0];
  if (path !== '/metrics') {
    res
      .writeHead(404, { 'content-type': 'text/plain; charset=utf-8' })
      .end('Not found: metrics are at /metrics\n');
    return;
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' }).end('Use GET\n');
    return;
  }
  registry.metrics().then(
    (body) => {
      res.writeHead(200, { 'content-type': registry.contentType });
      res.end(req.method === 'HEAD' ? undefined : body);
    },
    (error: unknown) => {
      res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
      res.end(`Metrics failed: ${error instanceof Error ? error.message : String(error)}\n`);
    },
  );
}
