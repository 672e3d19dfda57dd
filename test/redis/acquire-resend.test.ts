import { connect, createServer, type Server, type Socket } from 'node:net';
import { afterEach, expect, it } from 'vitest';
import { Scheduler } from '../../src/index.js';
import { RedisCapacity } from '../../src/redis/index.js';
import { ACQUIRE, RELEASE } from '../../src/redis/scripts.js';
import { scripts } from '../../src/redis/tree-client.js';
import { describeRedis, freePort, TestRedis } from '../support/redis-server.js';

// ioredis resends every unanswered command when a connection drops, so the acquire script may run twice with
// one lease id (the server ran it, the reply was lost). It must charge the cost once: otherwise the release
// gives back one charge and the other stays in use for good.

describeRedis('acquire sent twice (a reply lost with its connection)', () => {
  let server: TestRedis | undefined;
  let proxy: Server | undefined;
  const opened: RedisCapacity[] = [];

  afterEach(async () => {
    for (const c of opened.splice(0)) await c.close();
    proxy?.close();
    proxy = undefined;
    await server?.stop();
    server = undefined;
  });

  it('the script run twice with one lease id charges once', async () => {
    server = await TestRedis.start();
    const admin = new RedisCapacity({ redis: server.url, namespace: 'twice', node: 'cluster' });
    opened.push(admin);
    await admin.define({ cluster: { limits: { gpu: 2 } } });
    const raw = server.client();
    const keys = [
      'allot:{twice}:state',
      'allot:{twice}:leases',
      'allot:{twice}:holds',
      'allot:{twice}:waiters',
      'allot:{twice}:changed',
    ];
    for (let i = 0; i < 2; i++)
      await raw.eval(ACQUIRE, 4, ...keys, 'one-id', 10_000, 'cluster', 'raw', 10_000, '0', 'gpu', '1000000');
    await raw.eval(RELEASE, 4, ...keys, 'cluster', 'one-id');
    raw.disconnect();
    // Today: { gpu: 1 } in use, with no lease left to give it back.
    expect((await admin.snapshot()).cluster).toEqual({
      parent: undefined,
      limits: { gpu: 2 },
      inUse: { gpu: 0 },
      leases: 0,
    });
  });

  it('a task whose acquire reply was lost gives back everything it took', async () => {
    server = await TestRedis.start();
    const redisPort = server.port;
    // The server knows the script already (as after any earlier acquire), so the first EVALSHA runs it.
    const raw = server.client();
    await raw.script('LOAD', ACQUIRE);
    raw.disconnect();
    // A TCP proxy that forwards everything, except that it drops the reply to the first acquire script call and
    // closes both connections (the server has run the script by then).
    let dropped = false;
    const port = await freePort();
    proxy = createServer((client: Socket) => {
      const upstream = connect(redisPort, '127.0.0.1');
      // Per connection: the capacity's subscriber goes through the proxy too.
      let armed = false;
      client.on('data', (d) => {
        if (!dropped && d.toString().includes(scripts.acquire.sha)) armed = true;
        upstream.write(d);
      });
      upstream.on('data', (d) => {
        if (armed && !dropped) {
          dropped = true;
          client.destroy();
          upstream.destroy();
          return;
        }
        client.write(d);
      });
      for (const s of [client, upstream]) s.on('error', () => {});
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    await new Promise<void>((r) => proxy?.listen(port, '127.0.0.1', r));

    const capacity = new RedisCapacity({
      redis: `redis://127.0.0.1:${port}`,
      namespace: 'lost-reply',
      node: 'cluster',
    });
    opened.push(capacity);
    await capacity.define({ cluster: { limits: { gpu: 2 } } });
    const s = new Scheduler({ capacity });
    expect(await s.add(() => 'ran', { key: 't', cost: { gpu: 1 } })).toBe('ran');
    expect(dropped).toBe(true);
    await s.close();
    await capacity.settled();
    // Today: { gpu: 1 } in use and no lease: a task of { gpu: 2 } would wait forever.
    expect((await capacity.snapshot()).cluster).toMatchObject({ inUse: { gpu: 0 }, leases: 0 });
  });
});
