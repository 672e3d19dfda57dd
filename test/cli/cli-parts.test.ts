import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseJobList, parseSeconds } from '../../src/cli/flags.js';
import { checkDirectory, checkOutputFile } from '../../src/cli/output/output-paths.js';
import { jobEnvironment, logFileName } from '../../src/cli/run/job-environment.js';

describe('--jobs', () => {
  it('splits on commas outside a matrix instance’s brackets, and refuses an empty list', () => {
    expect(parseJobList('a, b,f[part=1,size=a],g')).toEqual(['a', 'b', 'f[part=1,size=a]', 'g']);
    expect(() => parseJobList('')).toThrow(/names no job/);
    expect(() => parseJobList(' , ')).toThrow(/names no job/);
  });
});

describe('--grace', () => {
  it('takes seconds a timer can wait', () => {
    expect(parseSeconds('0.5')).toBe(0.5);
    expect(() => parseSeconds('-1')).toThrow();
    expect(() => parseSeconds('')).toThrow();
    expect(() => parseSeconds('9999999')).toThrow(/at most|0 to/);
  });
});

describe('a job’s environment', () => {
  it('names every indexed resource, empty when the job holds none of its ids, and hides GPUs it does not hold', () => {
    expect(jobEnvironment('thumbs', 2, ['gpu', 'nvme'], { gpu: ['1'] })).toEqual({
      ALLOT_JOB: 'thumbs',
      ALLOT_ATTEMPT: '2',
      ALLOT_DEVICES_GPU: '1',
      ALLOT_DEVICES_NVME: '',
      CUDA_VISIBLE_DEVICES: '1',
    });
    expect(jobEnvironment('cpu-only', 1, ['gpu'], {})).toMatchObject({
      CUDA_VISIBLE_DEVICES: '',
      ALLOT_DEVICES_GPU: '',
    });
    expect(jobEnvironment('plain', 1, [], {})).toEqual({ ALLOT_JOB: 'plain', ALLOT_ATTEMPT: '1' });
  });
});

describe('log file names', () => {
  it('never give two jobs one file, and fit a file system', () => {
    const names = ['f[v=a/b]', 'f[v=a_b]', 'f[v=a%2Fb]', 'f[v=a\\b]'];
    const files = names.map(logFileName);
    expect(new Set(files).size).toBe(names.length);
    for (const f of files) expect(f).not.toMatch(/[/\\]/);
    const long = `job[v=${'x'.repeat(400)}]`;
    const other = `job[v=${'x'.repeat(399)}y]`;
    expect(Buffer.byteLength(logFileName(long))).toBeLessThanOrEqual(255);
    expect(logFileName(long)).not.toBe(logFileName(other));
    expect(logFileName('encode[video=a]')).toBe('encode[video=a].log');
  });
});

describe('output paths', () => {
  it('are checked before a run: the directory is made, a directory or a file in the way is refused', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'allot-paths-'));
    try {
      expect(await checkDirectory(join(dir, 'logs', 'deep'))).toBeUndefined();
      expect(await checkOutputFile(join(dir, 'out', 'report.html'))).toBeUndefined();
      await writeFile(join(dir, 'file'), 'x');
      expect(await checkDirectory(join(dir, 'file', 'logs'))).toMatch(/cannot write to/);
      expect(await checkOutputFile(join(dir, 'file', 'trace.json'))).toMatch(/cannot write to/);
      expect(await checkOutputFile(join(dir, 'logs'))).toMatch(/is a directory/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
