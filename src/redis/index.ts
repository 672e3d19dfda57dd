/**
 * `allot/redis`: one budget tree in Redis, shared by many processes on many machines. Needs the `ioredis`
 * package (a peer dependency); the core `allot` entry does not load it.
 */
export {
  BackendUnavailableError,
  LeaseLostError,
  UnknownNodeError,
} from '../errors/shared-capacity-errors.js';
export {
  RedisCapacity,
  type RedisCapacityOptions,
  type RedisNodeDefinition,
  type RedisNodeSnapshot,
} from './redis-capacity.js';
export { SCALE as REDIS_AMOUNT_SCALE } from './remote-cost.js';
