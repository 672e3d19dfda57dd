import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { alive, allGone, CliProcess, pidsIn, pipelineDir, readLedger, runCli } from './cli-harness.js';

// The real CLI, run as a process on pipeline files of real commands. Jobs write their own start and end times
// (GNU date, nanoseconds) to a ledger; what ran together is proven from those lines, not from the CLI's word.

const leftovers: number[] = [];
afterAll(() => {
  for (const pid of leftovers) if (alive(pid)) process.kill(pid, 'SIGKILL');
});

/** A job command that logs its start and end (with its GPU ids) around `sleep seconds`. */
function ledgerJob(ledger: string, seconds: number): string {
  return JSON.stringify([
    'sh',
    '-c',
    `echo "start $ALLOT_JOB $(date +%s%N) $CUDA_VISIBLE_DEVICES" >> "$0"; sleep ${seconds}; echo "end $ALLOT_JOB $(date +%s%N)" >> "$0"`,
    ledger,
  ]);
}

/** Seeded generator (same sequence every run). */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe('allot run (end to end)', () => {
  it('never over-commits a resource, keeps dependencies, and hands out distinct GPU ids', async () => {
    const random = lcg(7);
    const limits = { gpu: 2, cpu: 3, mem: 8 };
    const jobs: Array<{ name: string; cost: Record<string, number>; deps: string[] }> = [];
    for (let i = 0; i < 14; i++) {
      const cost = {
        gpu: Math.floor(random() * 3),
        cpu: 1 + Math.floor(random() * 2),
        mem: Math.floor(random() * 6),
      };
      const deps = jobs.filter(() => random() < 0.15).map((j) => j.name);
      jobs.push({ name: `j${String(i).padStart(2, '0')}`, cost, deps });
    }
    const dir = pipelineDir('');
    const ledger = join(dir, 'ledger.txt');
    const yaml = [
      `resources: { cpu: ${limits.cpu}, mem: ${limits.mem} }`,
      `devices: { gpu: ['0', '1'] }`,
      'jobs:',
      ...jobs.map(
        (j) =>
          `  ${j.name}: { cmd: ${ledgerJob(ledger, 0.15 + random() * 0.25)}, cost: ${JSON.stringify(j.cost)}, deps: ${JSON.stringify(j.deps)} }`,
      ),
    ].join('\n');
    const file = join(pipelineDir(yaml), 'pipeline.yaml');
    const result = await runCli(['run', file, '--log-dir', join(dir, 'logs')], dir);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);

    const lines = readLedger(ledger);
    const span = new Map<string, { start: bigint; end: bigint; gpus: string[] }>();
    for (const l of lines) {
      const s = span.get(l.job) ?? { start: 0n, end: 0n, gpus: [] };
      if (l.kind === 'start') {
        s.start = l.ns;
        s.gpus = l.extra === '' ? [] : l.extra.split(',');
      } else s.end = l.ns;
      span.set(l.job, s);
    }
    expect([...span.keys()].sort()).toEqual(jobs.map((j) => j.name));
    for (const job of jobs) {
      const me = span.get(job.name)!;
      expect(me.end).toBeGreaterThan(me.start);
      expect(me.gpus.length).toBe(job.cost.gpu);
      for (const dep of job.deps) expect(me.start).toBeGreaterThan(span.get(dep)!.end);
      // At this job's start, everything running (itself included) fits in every resource, and no GPU id is shared.
      const running = jobs.filter((o) => {
        const s = span.get(o.name)!;
        return s.start <= me.start && me.start < s.end;
      });
      for (const r of ['gpu', 'cpu', 'mem'] as const) {
        const used = running.reduce((sum, o) => sum + (o.cost[r] ?? 0), 0);
        expect(used, `${r} at the start of ${job.name}`).toBeLessThanOrEqual(limits[r]);
      }
      const ids = running.flatMap((o) => span.get(o.name)!.gpus);
      expect(new Set(ids).size).toBe(ids.length);
    }
    // The budget was used: some jobs ran side by side.
    const overlapping = jobs.some((a) =>
      jobs.some(
        (b) =>
          a !== b &&
          span.get(a.name)!.start < span.get(b.name)!.start &&
          span.get(b.name)!.start < span.get(a.name)!.end,
      ),
    );
    expect(overlapping).toBe(true);
  });

  it('passes argv to the program verbatim, and runs a string command under /bin/sh -c', async () => {
    const dir = pipelineDir(
      [
        'resources: { cpu: 1 }',
        'jobs:',
        `  verbatim: { cmd: [printf, '%s|\\n', 'a b', '$HOME', '*', ';echo pwned', '"q"'], cost: { cpu: 1 } }`,
        `  shell: { cmd: 'echo "home=$HOME" && echo two', cost: { cpu: 1 } }`,
      ].join('\n'),
    );
    const result = await runCli(['run', 'pipeline.yaml'], dir, { HOME: '/home/allot-test' });
    expect(result.code).toBe(0);
    const verbatim = readFileSync(join(dir, 'allot-logs', 'verbatim.log'), 'utf8');
    expect(verbatim).toContain('a b|\n$HOME|\n*|\n;echo pwned|\n"q"|\n');
    expect(verbatim).not.toContain('pwned\n');
    const shell = readFileSync(join(dir, 'allot-logs', 'shell.log'), 'utf8');
    expect(shell).toContain('home=/home/allot-test\ntwo\n');
  });

  it('fails a job with its exit code, skips its dependents with the reason, retries, and exits 1', async () => {
    const dir = pipelineDir(
      [
        'resources: { cpu: 2 }',
        'jobs:',
        `  flaky: { cmd: [sh, -c, 'test "$ALLOT_ATTEMPT" -ge 2'], retry: 1, cost: { cpu: 1 } }`,
        `  broken: { cmd: [sh, -c, 'echo oops >&2; exit 3'], cost: { cpu: 1 } }`,
        "  after: { cmd: ['true'], deps: [broken], cost: { cpu: 1 } }",
      ].join('\n'),
    );
    const result = await runCli(['run', 'pipeline.yaml', '--json'], dir);
    expect(result.code).toBe(1);
    const events = result.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    for (const e of events) expect(typeof e.event).toBe('string');
    const of = (job: string, event: string) => events.filter((e) => e.job === job && e.event === event);
    expect(of('flaky', 'start').map((e) => e.attempt)).toEqual([1, 2]);
    expect(of('flaky', 'retry')).toHaveLength(1);
    expect(of('flaky', 'complete')).toHaveLength(1);
    expect(of('broken', 'fail')[0]).toMatchObject({ state: 'failed' });
    expect(String(of('broken', 'fail')[0]?.error)).toContain('exited with code 3');
    expect(of('after', 'fail')[0]).toMatchObject({ state: 'skipped' });
    expect(of('after', 'start')).toHaveLength(0);
    for (const e of events.filter((x) => x.event !== 'summary')) expect(typeof e.time).toBe('number');
    // The summary (human text) went to stderr, with why "after" never ran.
    expect(result.stderr).toMatch(/after\s+skipped\s+0\s+.*broken/);
    expect(readFileSync(join(dir, 'allot-logs', 'broken.log'), 'utf8')).toContain('oops');
  });

  it('a timeout kills the job’s whole process group', async () => {
    const dir = pipelineDir(
      [
        'resources: { cpu: 1 }',
        'jobs:',
        `  slow: { cmd: [sh, -c, 'sleep 300 & echo $! > bg.pid; echo $$ > sh.pid; wait'], timeout: 1s, cost: { cpu: 1 } }`,
      ].join('\n'),
    );
    const result = await runCli(['run', 'pipeline.yaml', '--grace', '1'], dir);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/slow\s+timed-out/);
    const pids = ['bg.pid', 'sh.pid'].map((f) => Number(readFileSync(join(dir, f), 'utf8')));
    leftovers.push(...pids);
    await allGone(pids);
  });

  it('Ctrl-C stops running jobs, cancels the rest, leaves no process behind and exits 130', async () => {
    const dir = pipelineDir(
      [
        'resources: { gpu: 1, cpu: 2 }',
        'jobs:',
        `  a: { cmd: [sh, -c, 'sleep 300 & echo $! >> pids; echo $$ >> pids; wait'], cost: { cpu: 1 } }`,
        `  b: { cmd: [sh, -c, 'trap "" TERM; echo $$ >> pids; sleep 300'], cost: { cpu: 1, gpu: 1 } }`,
        `  c: { cmd: [sleep, '1'], cost: { gpu: 1 } }`,
        '  d: { cmd: [sleep, "1"], deps: [c], cost: { cpu: 1 } }',
      ].join('\n'),
    );
    const cli = new CliProcess(['run', 'pipeline.yaml', '--grace', '1'], dir);
    const pids = (): number[] => pidsIn(join(dir, 'pids'));
    await cli.until(() => pids().length === 3);
    leftovers.push(...pids());
    cli.child.kill('SIGINT');
    const result = await cli.done;
    expect(result.code).toBe(130);
    // b ignores SIGTERM: it was killed after the grace period.
    await allGone(pids());
    expect(result.stdout).toMatch(/a\s+cancelled/);
    expect(result.stdout).toMatch(/a\s+cancelled\s+1\s.*stopped by SIGINT/);
    expect(result.stdout).toMatch(/c\s+cancelled\s+0\s.*cancelled before it started; it was waiting for gpu/);
    expect(result.stdout).toMatch(/d\s+cancelled\s+0\s.*it was waiting for its dependency "c"/);
  });

  it('a second Ctrl-C kills at once; SIGTERM stops the run with 143', async () => {
    const yaml = [
      'resources: { cpu: 2 }',
      'jobs:',
      `  stubborn: { cmd: [sh, -c, 'trap "" TERM INT; echo $$ >> pids; while true; do sleep 0.1; done'], cost: { cpu: 1 } }`,
    ].join('\n');
    const pidsOf = (dir: string): number[] => pidsIn(join(dir, 'pids'));

    // A grace period of 10 minutes: only the second Ctrl-C can end this run in time.
    const twice = pipelineDir(yaml);
    const cli = new CliProcess(['run', 'pipeline.yaml', '--grace', '600'], twice);
    await cli.until(() => pidsOf(twice).length === 1);
    leftovers.push(...pidsOf(twice));
    cli.child.kill('SIGINT');
    await cli.until(() => cli.stderr.includes('again to kill'));
    cli.child.kill('SIGINT');
    const result = await cli.done;
    expect(result.code).toBe(130);
    await allGone(pidsOf(twice));
    expect(result.stdout).toMatch(/stubborn\s+cancelled/);

    const term = pipelineDir(yaml);
    const cli2 = new CliProcess(['run', 'pipeline.yaml', '--grace', '0.2'], term);
    await cli2.until(() => pidsOf(term).length === 1);
    leftovers.push(...pidsOf(term));
    cli2.child.kill('SIGTERM');
    expect((await cli2.done).code).toBe(143);
    await allGone(pidsOf(term));
  });

  it('on a terminal, draws the live view: counts, a gauge per resource, progress bars', async () => {
    const dir = pipelineDir(
      [
        'resources: { gpu: 1, cpu: 2 }',
        'jobs:',
        `  render: { cmd: [sh, -c, 'for i in 1 2 3 4 5 6; do echo "done $i/6"; sleep 0.25; done'], cost: { gpu: 1, cpu: 1 }, progress: 'done (\\d)/6', total: 6 }`,
        `  after: { cmd: ['true'], deps: [render], cost: { cpu: 1 } }`,
      ].join('\n'),
    );
    // util-linux `script` gives the CLI a pseudo-terminal, as a person's shell would.
    const tsx = join(process.cwd(), 'node_modules/tsx/dist/loader.mjs');
    const bin = join(process.cwd(), 'src/cli/bin.ts');
    const command = `${process.execPath} --import ${tsx} ${bin} run pipeline.yaml`;
    const { spawnSync } = await import('node:child_process');
    const ran = spawnSync('script', ['-q', '-e', '-c', command, '/dev/null'], {
      cwd: dir,
      encoding: 'utf8',
      env: { ...process.env, COLUMNS: '100', LINES: '30' },
      timeout: 60_000,
    });
    expect(ran.status).toBe(0);
    const screen = ran.stdout;
    // The view is redrawn in place (cursor movement), with a gauge per resource and a bar for the running job.
    const ESC = String.fromCharCode(27);
    expect(screen.includes(`${ESC}[1A`) && screen.includes(`${ESC}[2K`)).toBe(true);
    expect(screen).toMatch(/gpu \[[^\]]*\] 1\/1/);
    expect(screen).toMatch(/cpu \[[^\]]*\] 1\/2/);
    expect(screen).toMatch(/render\s+\[[^\]]*\]\s+\d+%/);
    expect(screen).toMatch(/✓ render/);
    expect(screen).toMatch(/2\/2 done/);
  });

  it('--jobs runs the named jobs and what they depend on; --resources replaces the named limits', async () => {
    const dir = pipelineDir(
      [
        'resources: { gpu: 2, cpu: 4 }',
        'jobs:',
        "  a: { cmd: ['true'], cost: { cpu: 1 } }",
        "  b: { cmd: ['true'], deps: [a], cost: { gpu: 1 } }",
        "  c: { cmd: ['true'], deps: [b], cost: { gpu: 1 } }",
        "  d: { cmd: [sleep, '0.3'], matrix: { n: [1, 2] }, cost: { gpu: 1 } }",
      ].join('\n'),
    );
    const result = await runCli(
      ['run', 'pipeline.yaml', '--json', '--jobs', 'b,d', '--resources', 'gpu=1'],
      dir,
    );
    expect(result.code).toBe(0);
    const events = result.stdout
      .trim()
      .split('\n')
      .map(
        (l) => JSON.parse(l) as { event: string; job?: string; time: number; inUse?: Record<string, number> },
      );
    const started = events.filter((e) => e.event === 'start').map((e) => e.job);
    expect([...started].sort()).toEqual(['a', 'b', 'd[n=1]', 'd[n=2]']);
    // With one GPU (the file says 2), the two instances of d never ran together.
    for (const e of events.filter((x) => x.event === 'usage')) expect(e.inUse?.gpu).toBeLessThanOrEqual(1);
    const bad = await runCli(['run', 'pipeline.yaml', '--jobs', 'nope'], dir);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('no job named "nope"');
  });

  it('a reader that goes away (| head) does not stop the run: every job still ends and exits 0', async () => {
    const dir = pipelineDir(
      [
        'resources: { cpu: 1 }',
        'jobs:',
        "  a: { cmd: [sh, -c, 'echo a > a.done'], cost: { cpu: 1 } }",
        "  b: { cmd: [sh, -c, 'sleep 0.5; echo b > b.done'], deps: [a], cost: { cpu: 1 } }",
        "  c: { cmd: [sh, -c, 'sleep 0.5; echo c > c.done'], deps: [b], cost: { cpu: 1 } }",
      ].join('\n'),
    );
    for (const json of [false, true]) {
      const cli = new CliProcess(['run', 'pipeline.yaml', ...(json ? ['--json'] : [])], dir);
      await cli.until(() => cli.stdout.length > 0);
      cli.child.stdout?.destroy();
      const result = await cli.done;
      expect(result.code, result.stderr).toBe(0);
      for (const job of ['a', 'b', 'c']) expect(existsSync(join(dir, `${job}.done`))).toBe(true);
    }
  });

  it('a timed-out try has stopped before the retry starts', async () => {
    const dir = pipelineDir(
      [
        'resources: { cpu: 2 }',
        'jobs:',
        `  slow: { cmd: [sh, -c, 'echo "start $ALLOT_ATTEMPT $(date +%s%N)" >> ledger; trap "echo \\"end $ALLOT_ATTEMPT $(date +%s%N)\\" >> ledger; sleep 0.5; exit 1" TERM; while :; do sleep 0.1; done'], timeout: 1s, retry: 1, cost: { cpu: 1 } }`,
      ].join('\n'),
    );
    const result = await runCli(['run', 'pipeline.yaml', '--grace', '3'], dir);
    expect(result.code).toBe(1);
    const lines = readFileSync(join(dir, 'ledger'), 'utf8').trim().split('\n');
    const at = (kind: string, attempt: number): bigint =>
      BigInt(lines.find((l) => l.startsWith(`${kind} ${attempt} `))?.split(' ')[2] ?? '0');
    expect(at('start', 2)).toBeGreaterThan(at('end', 1));
    // The first try's handler ran 0.5 s after its TERM: the retry waited for it.
    expect(at('start', 2) - at('end', 1)).toBeGreaterThan(400_000_000n);
  });

  it('SIGHUP (a closed terminal) stops the run like SIGTERM, leaving no process, and exits 129', async () => {
    const dir = pipelineDir(
      [
        'resources: { cpu: 1 }',
        'jobs:',
        "  a: { cmd: [sh, -c, 'echo $$ > pid; sleep 300'], cost: { cpu: 1 } }",
      ].join('\n'),
    );
    const cli = new CliProcess(['run', 'pipeline.yaml', '--grace', '1'], dir);
    await cli.until(() => pidsIn(join(dir, 'pid')).length === 1);
    const [pid] = pidsIn(join(dir, 'pid')) as [number];
    leftovers.push(pid);
    cli.child.kill('SIGHUP');
    expect((await cli.done).code).toBe(129);
    await allGone([pid]);
  });

  it('refuses outputs it could not write, and a busy metrics port, before running anything (exit 2)', async () => {
    const dir = pipelineDir(
      ['resources: { cpu: 1 }', 'jobs:', '  a: { cmd: [touch, ran], cost: { cpu: 1 } }'].join('\n'),
    );
    const report = await runCli(['run', 'pipeline.yaml', '--report', 'pipeline.yaml/r.html'], dir);
    expect(report.code).toBe(2);
    expect(report.stderr).toMatch(/cannot write to .*pipeline\.yaml/);
    const logs = await runCli(['run', 'pipeline.yaml', '--log-dir', 'pipeline.yaml/logs'], dir);
    expect(logs.code).toBe(2);
    const { createServer } = await import('node:net');
    const busy = createServer();
    await new Promise<void>((r) => busy.listen(0, '127.0.0.1', r));
    const port = (busy.address() as { port: number }).port;
    try {
      const metrics = await runCli(['run', 'pipeline.yaml', '--metrics-port', String(port)], dir);
      expect(metrics.code).toBe(2);
      expect(metrics.stderr.trim().split('\n')).toHaveLength(1);
      expect(metrics.stderr).toContain(String(port));
    } finally {
      busy.close();
    }
    expect(existsSync(join(dir, 'ran'))).toBe(false);
    const empty = await runCli(['run', 'pipeline.yaml', '--jobs', ''], dir);
    expect(empty.code).toBe(2);
    const plan = await runCli(['run', 'pipeline.yaml', '--dry-run', '--json'], dir);
    expect(plan.code).toBe(0);
    expect(JSON.parse(plan.stdout)).toMatchObject({ event: 'plan', jobs: [{ job: 'a' }] });
    const version = await runCli(['--version'], dir);
    expect(version.code).toBe(0);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('a job stopped while waiting to retry says so in the summary', async () => {
    const dir = pipelineDir(
      [
        'resources: { cpu: 1 }',
        'jobs:',
        "  flaky: { cmd: [sh, -c, 'touch tried; exit 1'], retry: { attempts: 3, backoff: { initial: 10m } }, cost: { cpu: 1 } }",
      ].join('\n'),
    );
    const cli = new CliProcess(['run', 'pipeline.yaml'], dir);
    await cli.until(() => cli.stdout.includes('retry flaky'));
    cli.child.kill('SIGINT');
    const result = await cli.done;
    expect(result.code).toBe(130);
    expect(result.stdout).toMatch(/flaky\s+cancelled\s+1\s.*stopped by SIGINT/);
  });

  it('validate names the file, line and column of each problem, and exits 2', async () => {
    const dir = pipelineDir(
      [
        'resources: { cpu: 2 }',
        'jobs:',
        '  a:',
        '    cmd: [true]',
        '    cost: { cpu: 1, gpu: 1 }',
        '    deps: [nope]',
      ].join('\n'),
    );
    const result = await runCli(['validate', 'pipeline.yaml'], dir);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/pipeline\.yaml:5:21: .*"a".*gpu/);
    expect(result.stderr).toMatch(/pipeline\.yaml:6:12: .*"a".*nope/);
    const ran = await runCli(['run', 'pipeline.yaml'], dir);
    expect(ran.code).toBe(2);
    expect(existsSync(join(dir, 'allot-logs'))).toBe(false);
  });

  it('--dry-run prints the order and the predicted makespan from the estimates, running nothing', async () => {
    const dir = pipelineDir(
      [
        'resources: { gpu: 2, cpu: 3 }',
        'jobs:',
        `  encode: { cmd: [touch, ran], cost: { gpu: 2, cpu: 1 }, estimate: 2s }`,
        `  features: { cmd: [touch, ran], cost: { gpu: 1, cpu: 2 }, deps: [encode], estimate: 1s }`,
        `  thumbs: { cmd: [touch, ran], cost: { gpu: 1, cpu: 1 }, deps: [encode], estimate: 500ms }`,
      ].join('\n'),
    );
    const result = await runCli(['run', 'pipeline.yaml', '--dry-run'], dir);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/1\. encode[\s\S]*2\. features[\s\S]*3\. thumbs/);
    // encode alone (2 s), then features and thumbs side by side (1 s): 3 s.
    expect(result.stdout).toMatch(/predicted makespan: 3(\.0)? s/);
    expect(existsSync(join(dir, 'ran'))).toBe(false);
  });
});
