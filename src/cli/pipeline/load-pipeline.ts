import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { ResourceCost } from '../../foundation/resource-cost.js';
import { buildPipeline } from './build-pipeline.js';
import type { Pipeline, PipelineIssue } from './pipeline.js';
import { jobOfPath, type Problem } from './problems.js';
import { checkShape } from './schema.js';
import { parseYaml } from './yaml-document.js';

/** Options of {@link loadPipeline} and {@link parsePipeline}. */
export interface LoadPipelineOptions {
  /**
   * Limits that replace the file's for the resources they name (`--resources gpu=2`); the file's other limits
   * stay. Applied before costs are checked against limits. The caller validates the amounts.
   */
  resources?: ResourceCost;
}

/** A validated pipeline, or every problem found in the file, sorted by position. */
export type LoadPipelineResult = { ok: true; pipeline: Pipeline } | { ok: false; issues: PipelineIssue[] };

/**
 * Reads and validates a pipeline file (YAML, or JSON, which is YAML). A file that cannot be read gives one
 * issue at its line 1, column 1. See {@link parsePipeline}.
 */
export async function loadPipeline(
  file: string,
  options: LoadPipelineOptions = {},
): Promise<LoadPipelineResult> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return { ok: false, issues: [{ file, line: 1, column: 1, message: `cannot read the file: ${reason}` }] };
  }
  return parsePipeline(text, file, options);
}

/**
 * Validates the text of a pipeline file and builds the pipeline: defaults applied, matrix jobs expanded,
 * dependencies resolved to job names. `file` names the file in issues (as given) and locates it: relative
 * `cwd`s resolve against its directory, which is also every job's default `cwd`.
 *
 * Every problem is reported, each at the line and column of the offending field: the shape (unknown fields,
 * wrong types), durations, regular expressions, unknown dependencies, dependency cycles, costs naming unknown
 * resources or exceeding a limit, and device lists that disagree with `resources`. YAML syntax errors are
 * reported alone: past one, the rest of the document cannot be trusted.
 *
 * In a matrix job, `{key}` in `cmd`, `env` values and `cwd` is replaced by the instance's value of that matrix
 * key; `{{key}}` stands for a literal `{key}`, and `${key}` is left alone (a shell variable). Jobs without a
 * matrix are taken literally.
 */
export function parsePipeline(
  text: string,
  file: string,
  options: LoadPipelineOptions = {},
): LoadPipelineResult {
  const yaml = parseYaml(text);
  if (!yaml.ok) return { ok: false, issues: sortIssues(yaml.errors.map((e) => ({ file, ...e }))) };
  const problems: Problem[] = checkShape(yaml.data);
  const path = resolve(file);
  const pipeline = buildPipeline(yaml.data, {
    file: path,
    dir: dirname(path),
    doc: yaml.doc,
    problems,
    resources: options.resources,
  });
  if (problems.length === 0) return { ok: true, pipeline };
  const issues = problems.map((p): PipelineIssue => {
    const job = p.job ?? jobOfPath(p.path);
    return {
      file,
      ...yaml.positionOf(p.path, p.at),
      ...(job === undefined ? {} : { job }),
      message: p.message,
    };
  });
  return { ok: false, issues: sortIssues(issues) };
}

/** One issue as a line: `FILE:LINE:COLUMN: job "NAME": MESSAGE` (without the job part when it concerns none). */
export function formatIssue(issue: PipelineIssue): string {
  const job = issue.job === undefined ? '' : `job "${issue.job}": `;
  return `${issue.file}:${issue.line}:${issue.column}: ${job}${issue.message}`;
}

/** Sorts by position; issues at the same place keep their order, and exact repeats are dropped. */
function sortIssues(issues: PipelineIssue[]): PipelineIssue[] {
  const seen = new Set<string>();
  return issues
    .filter((i) => {
      const id = `${i.line}:${i.column}:${i.job ?? ''}:${i.message}`;
      if (seen.has(id)) return false;
      seen.add(id);
      return true;
    })
    .sort((a, b) => a.line - b.line || a.column - b.column);
}
