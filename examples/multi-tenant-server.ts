/**
 * One inference server shared by three teams, with fair shares and GPU ids: the inference server of
 * `inference-server.ts`, started with `tenants` and `gpus`.
 *
 * - Budget: 4 GPUs (ids '0'–'3') and 8 CPUs; each request costs { gpu: 1, cpu: 1 }.
 * - Tenants by the `x-tenant` header: `product` has weight 2 (it serves paying users), `research` and `batch`
 *   weight 1. A tenant's weighted share is the fraction of GPUs it holds, halved for `product`.
 * - The demo: `batch` sends 12 requests at once and fills the queue; a moment later `product` sends 3 and
 *   `research` 2. Without fairness they would wait behind all of batch's; with it, each GPU that frees up goes to
 *   the tenant with the lowest weighted share, so they start next. Each answer names the GPU it ran on: what a
 *   real server would put in CUDA_VISIBLE_DEVICES for the model.
 *
 * Run: npm run example -- multi-tenant-server
 */
import { pathToFileURL } from 'node:url';
import { startInferenceServer } from './inference-server.js';

/** One answered request, in the order the answers came back. */
export interface Answered {
  tenant: string;
  key: string;
  gpus: string[];
}

/** Runs the demo and prints each answer; returns them in order. `msPerToken` paces the fake model. */
export async function main(
  options: { msPerToken?: number; print?: (line: string) => void } = {},
): Promise<Answered[]> {
  const print = options.print ?? ((line: string) => console.log(line));
  const server = await startInferenceServer({
    limits: { cpu: 8 },
    gpus: ['0', '1', '2', '3'],
    tenants: { product: { weight: 2 }, research: { weight: 1 }, batch: { weight: 1 } },
    msPerToken: options.msPerToken ?? 5,
  });
  const answered: Answered[] = [];
  const ask = async (tenant: string, i: number): Promise<void> => {
    const res = await fetch(`${server.url}/infer`, {
      method: 'POST',
      headers: { 'x-tenant': tenant, 'x-request-id': `${tenant}-${i}` },
      body: JSON.stringify({ prompt: `${tenant} request ${i}`, maxTokens: 10 }),
    });
    const body = (await res.json()) as { key: string; gpus?: string[] };
    answered.push({ tenant, key: body.key, gpus: body.gpus ?? [] });
    print(`${body.key.padEnd(12)} ran on GPU ${(body.gpus ?? []).join(',')}`);
  };
  try {
    const burst = Array.from({ length: 12 }, (_, i) => ask('batch', i));
    await waitFor(() => server.scheduler.stats.queued === 8); // 4 running, 8 waiting
    const others = [
      ask('product', 0),
      ask('product', 1),
      ask('product', 2),
      ask('research', 0),
      ask('research', 1),
    ];
    await Promise.all([...burst, ...others]);
  } finally {
    await server.close();
  }
  const last = Math.max(...answered.filter((a) => a.tenant !== 'batch').map((a) => answered.indexOf(a)));
  print(`product and research were all answered by answer ${last + 1} of ${answered.length}.`);
  return answered;
}

/** Polls until `ready()` holds (requests travel over HTTP before they reach the scheduler). */
async function waitFor(ready: () => boolean): Promise<void> {
  while (!ready()) await new Promise((resolve) => setTimeout(resolve, 2));
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await main();
}
