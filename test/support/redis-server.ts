import { describe, it } from 'vitest';
import { redisServerPath } from '../../examples/local-redis.js';

export { freePort, LocalRedis as TestRedis, redisServerPath } from '../../examples/local-redis.js';

/**
 * `describe` for tests that need a real Redis. Without redis-server on PATH they are skipped with a visible
 * message, except under CI=true, where a missing server fails the run.
 */
export function describeRedis(name: string, body: () => void): void {
  if (redisServerPath !== undefined) {
    describe(name, body);
    return;
  }
  if (process.env.CI === 'true') {
    describe(name, () => {
      it('needs redis-server on PATH (CI installs it)', () => {
        throw new Error(
          'redis-server is not installed: CI must install it (apt-get install -y redis-server)',
        );
      });
    });
    return;
  }
  describe.skip(`${name} (skipped: redis-server is not on PATH; install it to run these tests)`, body);
}
