import { afterEach, describe, expect, it, vi } from 'vitest';
import { Scheduler } from '../../src/index.js';
import { deferred, outcome, settle } from './helpers.js';

afterEach(() => {
  vi.restoreAllMocks();
});

describe('events', () => {
  it('deliver one typed object per step, in order, and unsubscribe', async () => {
    const s = new Scheduler({ limits: { cpu: 1 } });
    const seen: string[] = [];
    s.on('queued', (e) => seen.push(`queued ${e.key}`));
    s.on('start', (e) => seen.push(`start ${e.key} #${e.attempt}`));
    s.on('progress', (e) => seen.push(`progress ${e.key} ${String(e.value)}`));
    s.on('retry', (e) => seen.push(`retry ${e.key} #${e.attempt} ${(e.error as Error).message}`));
    s.on('complete', (e) => seen.push(`complete ${e.key} ${String(e.value)}`));
    s.on('fail', (e) => seen.push(`fail ${e.key} ${e.state}`));
    const off = s.on('idle', () => seen.push('idle'));
    await s.add(
      async function* (ctx) {
        if (ctx.attempt === 1) throw new Error('flaky');
        yield 'half';
        return 'done';
      },
      { key: 'job', retry: { attempts: 2 } },
    );
    await s.onIdle();
    await settle();
    expect(seen).toEqual([
      'queued job',
      'start job #1',
      'retry job #1 flaky',
      'queued job',
      'start job #2',
      'progress job half',
      'complete job done',
      'idle',
    ]);
    off();
    await s.add(() => 1);
    expect(seen.filter((e) => e === 'idle')).toHaveLength(1);
  });

  it('a throwing listener breaks neither scheduling nor the process; it becomes a warning', async () => {
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => {});
    const s = new Scheduler({ limits: { cpu: 1 } });
    s.on('start', () => {
      throw new Error('listener bug');
    });
    const later: string[] = [];
    s.on('start', (e) => later.push(e.key));
    expect(await s.add(() => 'ok', { key: 'k' })).toBe('ok');
    expect(later).toEqual(['k']);
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('listener bug'), 'AllotListenerWarning');
  });

  it('a start listener that cancels the task gives its capacity back at once', async () => {
    const s = new Scheduler({ limits: { gpu: 1 } });
    let ran = false;
    s.on('start', (e) => {
      if (e.key === 'victim') s.cancel('victim');
    });
    const h = s.add(
      () => {
        ran = true;
      },
      { key: 'victim', cost: { gpu: 1 } },
    );
    expect((await outcome(h)).ok).toBe(false);
    await s.onIdle();
    expect(ran).toBe(false);
    expect(s.stats.inUse).toEqual({ gpu: 0 });
  });
});

describe('explain', () => {
  it('names dependencies, resources with levels and holders, backoff, and terminal states', async () => {
    let now = 1000;
    const s = new Scheduler({ limits: { gpu: 2, cpu: 3 }, now: () => now });
    const hold = deferred();
    s.add(() => hold.promise, { key: 'encode', cost: { gpu: 2, cpu: 1 } });
    s.add(() => 1, { key: 'render', cost: { gpu: 2 } });
    s.add(() => 1, { key: 'upload', deps: ['encode', 'render'] });
    s.add(
      () => {
        throw new Error('nope');
      },
      { key: 'flaky', retry: { attempts: 2, backoff: { initialMs: 60_000 } } },
    );
    await settle();
    const render = s.explain('render');
    expect(render).toMatchObject({ key: 'render', state: 'queued' });
    expect(render.reasons).toEqual([{ kind: 'resource', resource: 'gpu', level: 0, need: 2, free: 0 }]);
    expect(render.message).toBe(
      '"render" waits for gpu: needs 2, 0 free in the scheduler\'s pool (held by "encode").',
    );
    const upload = s.explain('upload');
    expect(upload.reasons).toEqual([
      { kind: 'dependency', key: 'encode', state: 'running' },
      { kind: 'dependency', key: 'render', state: 'queued' },
    ]);
    expect(upload.message).toContain('"encode" (running)');
    const flaky = s.explain('flaky');
    expect(flaky.reasons).toEqual([{ kind: 'backoff', untilMs: 61_000 }]);
    now = 31_000;
    expect(s.explain('flaky').message).toContain('in 30000 ms');
    expect(s.explain('encode').message).toBe('"encode" is running (attempt 1).');
    s.cancel('flaky');
    expect(s.explain('flaky').message).toMatch(/^"flaky" ended cancelled/);
    hold.resolve();
    await s.onIdle();
    expect(s.explain('upload')).toMatchObject({ state: 'completed', reasons: [] });
  });

  it('a handle explains its own task', async () => {
    const s = new Scheduler({ limits: { cpu: 1 } });
    const h = s.add(() => 1, { key: 'k' });
    expect(h.explain().key).toBe('k');
    await h;
    expect(h.explain().state).toBe('completed');
  });
});
