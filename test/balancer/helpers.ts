import { ResourceCapacitySource } from '../../src/capacity/resource-capacity-source.js';

/** A team `{gpu: limit}` under a cluster `{gpu: clusterLimit}` with `held` GPUs acquired. */
export function team(limit: number, held = 0, clusterLimit = 100): ResourceCapacitySource {
  const cluster = new ResourceCapacitySource({ gpu: clusterLimit });
  const source = new ResourceCapacitySource({ gpu: limit }, cluster);
  if (held > 0) source.acquireImmediate({ gpu: held });
  return source;
}
