import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { BackendUnavailableError } from '../errors/shared-capacity-errors.js';

/** A Lua script with its SHA1, sent by hash and re-sent whole only when the server has lost it. */
export class Script {
  readonly sha: string;
  constructor(readonly source: string) {
    this.sha = createHash('sha1').update(source).digest('hex');
  }
}

/** A reply from a script: Redis hands back nested arrays of strings and integers. */
export type Reply = string | number | null | Reply[];

/**
 * One namespace's keys and how to call its scripts. Each call has a deadline: past it the promise rejects with
 * `BackendUnavailableError`, whatever the client does with the command (it may still run later; the callers
 * make that harmless).
 */
export class Store {
  readonly keys: readonly [string, string, string, string];
  readonly channel: string;

  constructor(
    readonly redis: Redis,
    readonly namespace: string,
  ) {
    // One hash tag for the whole tree: every key lands in the same cluster slot, as scripts require.
    const tag = `allot:{${namespace}}`;
    this.keys = [`${tag}:state`, `${tag}:leases`, `${tag}:holds`, `${tag}:waiters`];
    this.channel = `${tag}:changed`;
  }

  /** Runs `script` with ARGV = [channel, ...args]; rejects with `BackendUnavailableError` after `timeoutMs`. */
  run(
    script: Script,
    args: readonly (string | number)[],
    timeoutMs: number,
    operation: string,
  ): Promise<Reply> {
    return new Promise<Reply>((resolve, reject) => {
      const timer = setTimeout(() => reject(new BackendUnavailableError(operation, timeoutMs)), timeoutMs);
      this.#evaluate(script, args).then(
        (reply) => {
          clearTimeout(timer);
          resolve(reply);
        },
        (error: unknown) => {
          clearTimeout(timer);
          reject(isConnectionError(error) ? new BackendUnavailableError(operation, 0, error) : error);
        },
      );
    });
  }

  async #evaluate(script: Script, args: readonly (string | number)[]): Promise<Reply> {
    const argv = [this.channel, ...args];
    try {
      return (await this.redis.evalsha(script.sha, this.keys.length, ...this.keys, ...argv)) as Reply;
    } catch (error) {
      // The script cache is empty after a restart, a failover or SCRIPT FLUSH: send the source once more.
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
      return (await this.redis.eval(script.source, this.keys.length, ...this.keys, ...argv)) as Reply;
    }
  }
}

/** Whether an error means the server could not be reached (as opposed to a reply that is an error). */
export function isConnectionError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (error.name === 'MaxRetriesPerRequestError') return true;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) return true;
  return /Connection is closed|connect ECONNREFUSED|Stream isn't writeable|ETIMEDOUT|enableOfflineQueue/.test(
    error.message,
  );
}
