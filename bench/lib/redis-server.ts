/**
 * The redis-server of the Redis scenarios: the examples' private server (free loopback port, temporary directory,
 * nothing written to disk), stopped by its pid.
 *
 * `npm run bench` starts one before the first Redis scenario and passes its URL to the workers in
 * `BENCH_REDIS_URL`; a worker run by hand without it starts (and stops) one of its own.
 */
import { LocalRedis, redisServerPath } from '../../examples/local-redis.js';

export { LocalRedis as BenchRedis, redisServerPath };

/** Why the Redis scenarios cannot run, or undefined when they can. */
export const redisMissing: string | undefined =
  redisServerPath === undefined
    ? 'redis-server is not on PATH (install it, e.g. apt-get install -y redis-server, to run this scenario)'
    : undefined;

/**
 * The server a worker uses: the orchestrator's (`BENCH_REDIS_URL`), or one of its own when run by hand. `stop`
 * stops only a server the worker started.
 */
export async function workerRedis(): Promise<{ url: string; stop: () => Promise<void> }> {
  const given = process.env.BENCH_REDIS_URL;
  if (given !== undefined && given !== '') return { url: given, stop: async () => {} };
  const own = await LocalRedis.start();
  // A worker that fails exits at once (`fail`): take the server with it.
  process.on('exit', () => own.stopSync());
  return { url: own.url, stop: () => own.stop() };
}
