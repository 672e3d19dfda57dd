import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import {
  type Document,
  isAlias,
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  parseDocument,
  type YAMLError,
} from 'yaml';
import type { TenantOptions } from '../../admission/fair-shares.js';
import { isValidAmount } from '../../capacity/amount.js';
import type { ResourceCost } from '../../foundation/resource-cost.js';
import { MAX_TIMER_DELAY_MS } from '../../foundation/timers.js';
import type { BackoffOptions, RetryOptions } from '../../scheduler/types.js';
import { parseDuration } from './duration.js';
import type { JobCommand, Pipeline, PipelineIssue, PipelineJob } from './pipeline.js';
import {
  checkShape,
  closestName,
  type FieldPath,
  fieldLabel,
  jobOfPath,
  type PathProblem,
} from './schema.js';

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
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const at = (offset: number): { line: number; column: number } => {
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col };
  };
  if (doc.errors.length > 0) {
    const issues = doc.errors.map((e) => ({
      file,
      ...at(e.pos[0]),
      message: `invalid YAML: ${yamlMessage(e)}`,
    }));
    return { ok: false, issues: sortIssues(issues) };
  }
  let data: unknown;
  try {
    data = doc.toJS();
  } catch (error) {
    // Too many aliases (a "billion laughs" document) is the one way a parsed document fails to convert.
    const reason = error instanceof Error ? error.message : String(error);
    return { ok: false, issues: [{ file, line: 1, column: 1, message: `invalid YAML: ${reason}` }] };
  }
  const problems: Problem[] = checkShape(data);
  const path = resolve(file);
  const pipeline = buildPipeline(data, { file: path, dir: dirname(path), doc, problems, options });
  if (problems.length === 0) return { ok: true, pipeline };
  const issues = problems.map((p): PipelineIssue => {
    const job = p.job ?? jobOfPath(p.path);
    return {
      file,
      ...at(offsetOf(doc, p.path, p.at)),
      ...(job === undefined ? {} : { job }),
      message: p.message,
    };
  });
  return { ok: false, issues: sortIssues(issues) };
}

/** The parser's message, in the file's terms rather than the parser's API. */
function yamlMessage(error: YAMLError): string {
  return error.code === 'MULTIPLE_DOCS' ? 'a pipeline file holds a single document' : error.message;
}

/** One issue as a line: `FILE:LINE:COLUMN: job "NAME": MESSAGE` (without the job part when it concerns none). */
export function formatIssue(issue: PipelineIssue): string {
  const job = issue.job === undefined ? '' : `job "${issue.job}": `;
  return `${issue.file}:${issue.line}:${issue.column}: ${job}${issue.message}`;
}

/** A problem at a path; `job` names the job it concerns when the path alone does not (a default). */
interface Problem extends PathProblem {
  job?: string;
}

interface BuildContext {
  file: string;
  dir: string;
  doc: Document;
  problems: Problem[];
  options: LoadPipelineOptions;
}

// ---------------------------------------------------------------------------------------------------------------
// Positions

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

/**
 * Offset in the text of the field at `path`: its key or its value. Falls back to the nearest enclosing field
 * that exists, and to a field's key when its value is empty (`timeout:` with nothing after it).
 */
function offsetOf(doc: Document, path: FieldPath, at: 'key' | 'value'): number {
  let node: unknown = doc.contents;
  let offset = startOf(node) ?? 0;
  for (const [i, segment] of path.entries()) {
    if (isAlias(node)) node = node.resolve(doc);
    if (isMap(node)) {
      const pair = node.items.find((p) => keyText(p.key) === String(segment));
      if (pair === undefined) break;
      const keyStart = startOf(pair.key) ?? offset;
      if (i === path.length - 1 && at === 'key') return keyStart;
      offset = isEmptyScalar(pair.value) ? keyStart : (startOf(pair.value) ?? keyStart);
      node = pair.value;
    } else if (isSeq(node) && typeof segment === 'number') {
      const item: unknown = node.items[segment];
      if (item === undefined) break;
      offset = startOf(item) ?? offset;
      node = item;
    } else {
      break;
    }
  }
  return offset;
}

function startOf(node: unknown): number | undefined {
  if (typeof node !== 'object' || node === null || !('range' in node)) return undefined;
  const range = (node as { range?: readonly number[] | null }).range;
  return range?.[0];
}

function isEmptyScalar(node: unknown): boolean {
  return isScalar(node) && node.value === null && node.range != null && node.range[0] === node.range[1];
}

function keyText(key: unknown): string {
  return isScalar(key) ? String(key.value) : String(key);
}

/** Keys of the mapping at `path`, in file order (object keys put integer-like names first). */
function keysInOrder(doc: Document, path: FieldPath, value: unknown): string[] {
  const node = doc.getIn(path, true);
  return isMap(node) ? node.items.map((p) => keyText(p.key)) : Object.keys(isFields(value) ? value : {});
}

// ---------------------------------------------------------------------------------------------------------------
// Reading plain values (the shape was checked already: anything malformed was reported and is skipped here)

type Fields = Record<string, unknown>;

function isFields(value: unknown): value is Fields {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function entriesOf(value: unknown): [string, unknown][] {
  return isFields(value) ? Object.entries(value) : [];
}

function isAmount(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0;
}

/** Why a schema-valid amount still cannot be accounted exactly, if it cannot. */
function amountProblem(value: number): string | undefined {
  if (isValidAmount(value)) return undefined;
  return value > Number.MAX_SAFE_INTEGER
    ? `must be at most ${Number.MAX_SAFE_INTEGER}`
    : 'must have at most 6 digits after the decimal point';
}

// ---------------------------------------------------------------------------------------------------------------
// The pipeline

function buildPipeline(data: unknown, ctx: BuildContext): Pipeline {
  const root = isFields(data) ? data : {};
  const limits = readLimits(root.resources, ctx);
  const devices = readDevices(root.devices, limits, ctx);
  const defaults = isFields(root.defaults)
    ? readFields(root.defaults, ['defaults'], limits, devices, ctx)
    : none();
  const specs = keysInOrder(ctx.doc, ['jobs'], root.jobs)
    .filter((name) => isFields(root.jobs) && Object.hasOwn(root.jobs, name))
    .map((name) => readJob(name, (root.jobs as Fields)[name], defaults, limits, devices, ctx));
  const registry = registerNames(specs);
  const deps = resolveDeps(specs, registry, ctx);
  reportCycles(specs, deps, ctx);
  const jobs = specs.flatMap((spec) => expand(spec, deps.get(spec.name)?.names ?? new Map(), ctx));
  const pipeline: Pipeline = {
    file: ctx.file,
    dir: ctx.dir,
    resources: Object.fromEntries(limits.amounts),
    devices: Object.fromEntries(devices),
    jobs,
  };
  if (isFields(root.tenants)) pipeline.tenants = readTenants(root.tenants);
  return pipeline;
}

interface Limits {
  amounts: Map<string, number>;
  /** Every resource `resources` names, valid or not (a cost on a malformed one is not also "unknown"). */
  declared: Set<string>;
  /** Resources whose limit `--resources` set. */
  overridden: Set<string>;
}

function readLimits(raw: unknown, ctx: BuildContext): Limits {
  const amounts = new Map<string, number>();
  const declared = new Set<string>();
  for (const [name, amount] of entriesOf(raw)) {
    declared.add(name);
    if (!isAmount(amount)) continue;
    const problem = amountProblem(amount);
    if (problem !== undefined) report(ctx, ['resources', name], 'value', `resources.${name} ${problem}`);
    amounts.set(name, amount);
  }
  const overridden = new Set<string>();
  for (const [name, amount] of Object.entries(ctx.options.resources ?? {})) {
    amounts.set(name, amount);
    overridden.add(name);
  }
  return { amounts, declared, overridden };
}

function limitSource(limits: Limits, resource: string): string {
  return limits.overridden.has(resource) ? `--resources ${resource}=` : `resources.${resource} = `;
}

/** Device ids per resource; a resource without a limit gets its number of ids as one. */
function readDevices(raw: unknown, limits: Limits, ctx: BuildContext): Map<string, string[]> {
  const devices = new Map<string, string[]>();
  for (const [resource, list] of entriesOf(raw)) {
    if (!Array.isArray(list)) continue;
    const ids = readDeviceIds(resource, list, ctx);
    devices.set(resource, ids ?? []);
    if (ids === undefined) continue;
    const limit = limits.amounts.get(resource);
    if (limit === undefined) limits.amounts.set(resource, ids.length);
    else if (limit !== ids.length)
      report(
        ctx,
        ['devices', resource],
        'key',
        `devices.${resource} lists ${ids.length} ids but ${limitSource(limits, resource)}${limit}: ` +
          `a device resource's limit is its number of ids`,
      );
  }
  return devices;
}

/** The ids as strings; `undefined` when one is malformed or repeated (so their count means nothing). */
function readDeviceIds(resource: string, list: unknown[], ctx: BuildContext): string[] | undefined {
  const ids: string[] = [];
  let valid = true;
  for (const [i, id] of list.entries()) {
    if (!((typeof id === 'string' && id !== '') || (Number.isInteger(id) && (id as number) >= 0))) {
      valid = false;
      continue;
    }
    const text = String(id);
    if (ids.includes(text)) {
      report(ctx, ['devices', resource, i], 'value', `devices.${resource}[${i}] repeats the id "${text}"`);
      valid = false;
    } else ids.push(text);
  }
  return valid ? ids : undefined;
}

function readTenants(raw: Fields): Record<string, TenantOptions> {
  return Object.fromEntries(
    Object.entries(raw).map(([name, options]) => {
      const weight = isFields(options) ? options.weight : undefined;
      return [name, typeof weight === 'number' && weight > 0 ? { weight } : {}];
    }),
  );
}

// ---------------------------------------------------------------------------------------------------------------
// Job fields (shared by `defaults` and jobs)

/** A string of the file that may hold matrix placeholders, with where it is. */
interface Template {
  text: string;
  path: FieldPath;
}

type CommandTemplate = { kind: 'shell'; script: Template } | { kind: 'argv'; argv: Template[] };

/** A job's settings other than its command, dependencies and matrix, read and checked. */
interface JobFields {
  env: Map<string, Template>;
  cwd?: Template;
  timeoutMs?: number;
  retry?: RetryOptions;
  priority?: number;
  cost?: ResourceCost;
  tenant?: string;
  progress?: RegExp;
  total?: number;
  estimateMs?: number;
}

function none(): JobFields {
  return { env: new Map() };
}

function readFields(
  raw: Fields,
  base: FieldPath,
  limits: Limits,
  devices: Map<string, string[]>,
  ctx: BuildContext,
): JobFields {
  const fields: JobFields = { env: readEnv(raw.env, [...base, 'env']) };
  if (typeof raw.cwd === 'string' && raw.cwd !== '') fields.cwd = { text: raw.cwd, path: [...base, 'cwd'] };
  const timeoutMs = readTimeout(raw.timeout, [...base, 'timeout'], ctx);
  if (timeoutMs !== undefined) fields.timeoutMs = timeoutMs;
  const retry = readRetry(raw.retry, [...base, 'retry'], ctx);
  if (retry !== undefined) fields.retry = retry;
  if (typeof raw.priority === 'number' && Number.isFinite(raw.priority)) fields.priority = raw.priority;
  const cost = readCost(raw.cost, [...base, 'cost'], limits, devices, ctx);
  if (cost !== undefined) fields.cost = cost;
  if (typeof raw.tenant === 'string' && raw.tenant !== '') fields.tenant = raw.tenant;
  const progress = readRegExp(raw.progress, [...base, 'progress'], ctx);
  if (progress !== undefined) fields.progress = progress;
  if (typeof raw.total === 'number' && raw.total > 0 && Number.isFinite(raw.total)) fields.total = raw.total;
  const estimateMs = readDuration(raw.estimate, [...base, 'estimate'], ctx);
  if (estimateMs !== undefined) fields.estimateMs = estimateMs;
  return fields;
}

function readEnv(raw: unknown, base: FieldPath): Map<string, Template> {
  const env = new Map<string, Template>();
  for (const [name, value] of entriesOf(raw)) {
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')
      env.set(name, { text: String(value), path: [...base, name] });
  }
  return env;
}

/** A duration in ms, reporting a malformed one; `undefined` when absent or of a type the shape check refused. */
function readDuration(raw: unknown, path: FieldPath, ctx: BuildContext): number | undefined {
  if (typeof raw !== 'string' && typeof raw !== 'number') return undefined;
  const ms = parseDuration(raw);
  if (typeof ms === 'number') return ms;
  report(ctx, path, 'value', `${fieldLabel(path)}: ${ms}`);
  return undefined;
}

function readTimeout(raw: unknown, path: FieldPath, ctx: BuildContext): number | undefined {
  const ms = readDuration(raw, path, ctx);
  if (ms === undefined) return undefined;
  // Timers cannot wait longer than MAX_TIMER_DELAY_MS, and a zero limit would fail every attempt at once.
  if (ms > 0 && ms <= MAX_TIMER_DELAY_MS) return ms;
  report(
    ctx,
    path,
    'value',
    `${fieldLabel(path)} must be more than 0 and at most ${MAX_TIMER_DELAY_MS}ms (24.8 days)`,
  );
  return undefined;
}

/** `retry: N` means N retries (N + 1 tries); the mapping form counts every try, as `RetryOptions` does. */
function readRetry(raw: unknown, path: FieldPath, ctx: BuildContext): RetryOptions | undefined {
  if (Number.isInteger(raw) && (raw as number) >= 0) return { attempts: (raw as number) + 1 };
  if (!isFields(raw)) return undefined;
  // Read even when `attempts` is malformed, so the backoff's own problems are reported too.
  const backoff = isFields(raw.backoff) ? readBackoff(raw.backoff, [...path, 'backoff'], ctx) : undefined;
  if (!Number.isInteger(raw.attempts) || (raw.attempts as number) < 1) return undefined;
  return backoff === undefined
    ? { attempts: raw.attempts as number }
    : { attempts: raw.attempts as number, backoff };
}

function readBackoff(raw: Fields, path: FieldPath, ctx: BuildContext): BackoffOptions {
  const backoff: BackoffOptions = {};
  const initialMs = readDuration(raw.initial, [...path, 'initial'], ctx);
  if (initialMs !== undefined) backoff.initialMs = initialMs;
  if (typeof raw.factor === 'number' && raw.factor >= 1 && Number.isFinite(raw.factor))
    backoff.factor = raw.factor;
  const maxMs = readDuration(raw.max, [...path, 'max'], ctx);
  if (maxMs !== undefined) backoff.maxMs = maxMs;
  if (typeof raw.jitter === 'number' && raw.jitter >= 0 && raw.jitter <= 1) backoff.jitter = raw.jitter;
  return backoff;
}

function readRegExp(raw: unknown, path: FieldPath, ctx: BuildContext): RegExp | undefined {
  if (typeof raw !== 'string' || raw === '') return undefined;
  try {
    return new RegExp(raw);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    report(ctx, path, 'value', `${fieldLabel(path)} is not a valid regular expression (${reason})`);
    return undefined;
  }
}

/** The cost, checking each amount against the resources: one that exceeds its limit could never start. */
function readCost(
  raw: unknown,
  path: FieldPath,
  limits: Limits,
  devices: Map<string, string[]>,
  ctx: BuildContext,
): ResourceCost | undefined {
  if (!isFields(raw)) return undefined;
  const cost: [string, number][] = [];
  for (const [resource, amount] of Object.entries(raw)) {
    const limit = limits.amounts.get(resource);
    if (limit === undefined) {
      if (limits.declared.has(resource)) continue;
      report(ctx, [...path, resource], 'key', unknownResource(resource, [...path, resource], limits));
      continue;
    }
    if (!isAmount(amount)) continue;
    const problem = costProblem(resource, amount, limit, limits, devices);
    if (problem !== undefined)
      report(ctx, [...path, resource], 'value', `${fieldLabel([...path, resource])} ${problem}`);
    cost.push([resource, amount]);
  }
  return Object.fromEntries(cost);
}

function unknownResource(resource: string, path: FieldPath, limits: Limits): string {
  const known = [...limits.amounts.keys()];
  const guess = closestName(resource, known);
  const hint = guess === undefined ? '' : `did you mean "${guess}"? `;
  const list = known.length === 0 ? 'none' : known.join(', ');
  return `${fieldLabel(path)} names an unknown resource "${resource}" (${hint}resources: ${list})`;
}

function costProblem(
  resource: string,
  amount: number,
  limit: number,
  limits: Limits,
  devices: Map<string, string[]>,
): string | undefined {
  if (amount > limit)
    return `is ${amount}, more than the limit (${limitSource(limits, resource)}${limit}): it could never start`;
  if (devices.has(resource) && !Number.isInteger(amount))
    return `must be a whole number: ${resource} is a device resource (devices.${resource})`;
  return amountProblem(amount);
}

// ---------------------------------------------------------------------------------------------------------------
// Jobs as written

/** A job as written, read and checked, with the names of its instances (one unless it has a matrix). */
interface JobSpec {
  name: string;
  command: CommandTemplate | undefined;
  fields: JobFields;
  deps: Template[];
  instances: Instance[];
}

interface Instance {
  name: string;
  values: Map<string, string>;
}

function readJob(
  name: string,
  raw: unknown,
  defaults: JobFields,
  limits: Limits,
  devices: Map<string, string[]>,
  ctx: BuildContext,
): JobSpec {
  const base: FieldPath = ['jobs', name];
  if (!isFields(raw)) return { name, command: undefined, fields: none(), deps: [], instances: [] };
  const own = readFields(raw, base, limits, devices, ctx);
  const fields: JobFields = { ...defaults, ...own, env: new Map([...defaults.env, ...own.env]) };
  const command = readCommand(raw.cmd, [...base, 'cmd']);
  const deps = Array.isArray(raw.deps)
    ? raw.deps.flatMap((dep, i) =>
        typeof dep === 'string' ? [{ text: dep, path: [...base, 'deps', i] }] : [],
      )
    : [];
  const matrix = raw.matrix === undefined ? undefined : readMatrix(raw.matrix, [...base, 'matrix'], ctx);
  if (matrix !== undefined) checkPlaceholders(name, command, fields, deps, matrix.keys, ctx);
  const instances =
    matrix === undefined ? [{ name, values: new Map<string, string>() }] : instancesOf(name, matrix);
  return { name, command, fields, deps, instances };
}

function readCommand(raw: unknown, path: FieldPath): CommandTemplate | undefined {
  if (typeof raw === 'string') return { kind: 'shell', script: { text: raw, path } };
  if (!Array.isArray(raw)) return undefined;
  const argv = raw.map((arg, i) => ({ text: String(arg), path: [...path, i] }));
  return { kind: 'argv', argv };
}

/** A matrix: every key as written, and the values of each (as strings) when all of them are valid. */
interface Matrix {
  keys: string[];
  axes: string[][] | undefined;
}

function readMatrix(raw: unknown, path: FieldPath, ctx: BuildContext): Matrix {
  const keys = isFields(raw) ? Object.keys(raw) : [];
  let axes: string[][] | undefined = keys.length > 0 ? [] : undefined;
  for (const [key, values] of entriesOf(raw)) {
    const axis = readAxis(values, [...path, key], ctx);
    if (axis === undefined) axes = undefined;
    else axes?.push(axis);
  }
  return { keys, axes };
}

/** One key's values as strings; `undefined` when malformed or when two are the same (two jobs, one name). */
function readAxis(raw: unknown, path: FieldPath, ctx: BuildContext): string[] | undefined {
  if (!Array.isArray(raw) || raw.length === 0) return undefined;
  const values: string[] = [];
  let valid = true;
  for (const [i, value] of raw.entries()) {
    if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
      valid = false;
      continue;
    }
    const text = String(value);
    if (values.includes(text)) {
      report(ctx, [...path, i], 'value', `${fieldLabel([...path, i])} repeats the value "${text}"`);
      valid = false;
    }
    values.push(text);
  }
  return valid ? values : undefined;
}

/** One instance per combination of values: the cartesian product, first key outermost. */
function instancesOf(name: string, matrix: Matrix): Instance[] {
  if (matrix.axes === undefined) return [];
  let combos: [string, string][][] = [[]];
  for (const [k, key] of matrix.keys.entries()) {
    const axis = matrix.axes[k]!;
    combos = combos.flatMap((combo) => axis.map((value): [string, string][] => [...combo, [key, value]]));
  }
  return combos.map((combo) => ({
    name: `${name}[${combo.map(([key, value]) => `${key}=${value}`).join(',')}]`,
    values: new Map(combo),
  }));
}

// `${` is skipped (a shell variable), `{{key}}` is a literal `{key}`, `{key}` a placeholder.
const PLACEHOLDER = /\$\{|\{\{([A-Za-z_][A-Za-z0-9_]*)\}\}|\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

function substitute(text: string, values: Map<string, string>): string {
  if (values.size === 0) return text;
  return text.replace(PLACEHOLDER, (match, literal: string | undefined, key: string | undefined) =>
    literal !== undefined ? `{${literal}}` : key !== undefined ? (values.get(key) ?? match) : match,
  );
}

function placeholdersIn(text: string): string[] {
  return [...text.matchAll(PLACEHOLDER)].flatMap((m) => (m[2] === undefined ? [] : [m[2]]));
}

/** Reports placeholders that name no matrix key: each would otherwise reach the command as typed. */
function checkPlaceholders(
  job: string,
  command: CommandTemplate | undefined,
  fields: JobFields,
  deps: Template[],
  keys: string[],
  ctx: BuildContext,
): void {
  const templates = [
    ...(command === undefined ? [] : command.kind === 'shell' ? [command.script] : command.argv),
    ...fields.env.values(),
    ...(fields.cwd === undefined ? [] : [fields.cwd]),
    ...deps,
  ];
  for (const template of templates) {
    for (const key of placeholdersIn(template.text)) {
      if (keys.includes(key)) continue;
      const message =
        `${fieldLabel(template.path)}: placeholder {${key}} names no matrix key (keys: ${keys.join(', ')}; ` +
        `write {{${key}}} for a literal {${key}})`;
      report(ctx, template.path, 'value', message, job);
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Dependencies

/** What a name in `deps` stands for: its job as written and the instances it means. */
interface NameTarget {
  source: string;
  instances: string[];
}

/** A job's name means all its instances; a matrix instance's own name means that one. */
function registerNames(specs: JobSpec[]): Map<string, NameTarget> {
  const registry = new Map<string, NameTarget>();
  for (const spec of specs) {
    registry.set(spec.name, { source: spec.name, instances: spec.instances.map((i) => i.name) });
    for (const instance of spec.instances)
      if (instance.name !== spec.name)
        registry.set(instance.name, { source: spec.name, instances: [instance.name] });
  }
  return registry;
}

/**
 * A job's dependencies: the instance names each of its instances needs, and the jobs as written they come from
 * (for cycles). A dependency with matrix placeholders (`ingest[video={video}]`) means, for each instance, the
 * name its own values spell.
 */
interface ResolvedDeps {
  names: Map<string, string[]>;
  edges: { to: string; path: FieldPath }[];
}

function resolveDeps(
  specs: JobSpec[],
  registry: Map<string, NameTarget>,
  ctx: BuildContext,
): Map<string, ResolvedDeps> {
  const jobNames = specs.map((s) => s.name);
  const resolved = new Map<string, ResolvedDeps>();
  for (const spec of specs) {
    const names = new Map(spec.instances.map((i) => [i.name, new Set<string>()]));
    const edges: ResolvedDeps['edges'] = [];
    for (const dep of spec.deps) {
      const templated = spec.instances.some((i) => substitute(dep.text, i.values) !== dep.text);
      const sources = new Set<string>();
      for (const instance of spec.instances) {
        const text = templated ? substitute(dep.text, instance.values) : dep.text;
        const target = registry.get(text);
        if (target === undefined) {
          report(ctx, dep.path, 'value', unknownJob({ ...dep, text }, jobNames));
          break;
        }
        if (templated && target.source === spec.name) {
          report(ctx, dep.path, 'value', `${fieldLabel(dep.path)}: a job cannot depend on its own instances`);
          break;
        }
        for (const name of target.instances) names.get(instance.name)?.add(name);
        sources.add(target.source);
      }
      for (const to of sources) edges.push({ to, path: dep.path });
    }
    resolved.set(spec.name, {
      names: new Map([...names].map(([instance, set]) => [instance, [...set]])),
      edges,
    });
  }
  return resolved;
}

function unknownJob(dep: Template, jobNames: string[]): string {
  const guess = closestName(dep.text, jobNames);
  const hint = guess === undefined ? '' : ` (did you mean "${guess}"?)`;
  return `${fieldLabel(dep.path)} names an unknown job "${dep.text}"${hint}`;
}

/**
 * Reports each dependency cycle once, at the dependency (of the cycle's first job in file order) that starts it.
 * Cycles are found between jobs as written: an instance's dependencies are instances of other jobs (never of its
 * own), so instances can form a cycle only when their jobs do; a cycle of jobs is refused even when its
 * placeholders would happen to pair instances without one, as it is almost surely a mistake.
 */
function reportCycles(specs: JobSpec[], deps: Map<string, ResolvedDeps>, ctx: BuildContext): void {
  const order = specs.map((s) => s.name);
  const next = (name: string): string[] => deps.get(name)?.edges.map((e) => e.to) ?? [];
  for (const component of stronglyConnected(order, next)) {
    const first = order.find((name) => component.has(name))!;
    const cycle = shortestCycle(first, component, next);
    if (cycle === undefined) continue;
    const edge = deps.get(first)!.edges.find((e) => e.to === cycle[1])!;
    report(ctx, edge.path, 'value', `dependency cycle: ${cycle.join(' → ')}`);
  }
}

/** Tarjan's strongly connected components (recursive: jobs as written are few). */
function stronglyConnected(nodes: string[], next: (node: string) => string[]): Set<string>[] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: Set<string>[] = [];
  const visit = (node: string): void => {
    index.set(node, index.size);
    low.set(node, index.get(node)!);
    stack.push(node);
    onStack.add(node);
    for (const to of next(node)) {
      if (!index.has(to)) {
        visit(to);
        low.set(node, Math.min(low.get(node)!, low.get(to)!));
      } else if (onStack.has(to)) low.set(node, Math.min(low.get(node)!, index.get(to)!));
    }
    if (low.get(node) !== index.get(node)) return;
    const component = new Set<string>();
    let member: string;
    do {
      member = stack.pop()!;
      onStack.delete(member);
      component.add(member);
    } while (member !== node);
    components.push(component);
  };
  for (const node of nodes) if (!index.has(node)) visit(node);
  return components;
}

/** The shortest path `start → … → start` inside `component`; `undefined` for a lone job without a self-edge. */
function shortestCycle(
  start: string,
  component: Set<string>,
  next: (node: string) => string[],
): string[] | undefined {
  const previous = new Map<string, string>();
  const queue = [start];
  for (let i = 0; i < queue.length; i++) {
    const node = queue[i]!;
    for (const to of next(node)) {
      if (to === start) {
        const path = [node];
        while (path[0] !== start) path.unshift(previous.get(path[0]!)!);
        return [...path, start];
      }
      if (!component.has(to) || previous.has(to)) continue;
      previous.set(to, node);
      queue.push(to);
    }
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------------------------
// Expansion

function expand(spec: JobSpec, deps: Map<string, string[]>, ctx: BuildContext): PipelineJob[] {
  return spec.instances.map((instance) => {
    const { fields } = spec;
    const values = instance.values;
    const job: PipelineJob = {
      name: instance.name,
      source: spec.name,
      command: commandOf(spec.command, values),
      env: Object.fromEntries([...fields.env].map(([name, t]) => [name, substitute(t.text, values)])),
      cwd: resolve(ctx.dir, fields.cwd === undefined ? '.' : substitute(fields.cwd.text, values)),
      priority: fields.priority ?? 0,
      deps: [...(deps.get(instance.name) ?? [])],
      cost: { ...fields.cost },
    };
    if (fields.timeoutMs !== undefined) job.timeoutMs = fields.timeoutMs;
    if (fields.retry !== undefined) job.retry = fields.retry;
    if (fields.tenant !== undefined) job.tenant = fields.tenant;
    if (fields.progress !== undefined) job.progress = fields.progress;
    if (fields.total !== undefined) job.total = fields.total;
    if (fields.estimateMs !== undefined) job.estimateMs = fields.estimateMs;
    return job;
  });
}

/** The command with placeholders filled in: a string runs as `/bin/sh -c` script, a list as argv, as written. */
function commandOf(command: CommandTemplate | undefined, values: Map<string, string>): JobCommand {
  if (command === undefined) return { kind: 'argv', argv: [] };
  if (command.kind === 'shell') return { kind: 'shell', script: substitute(command.script.text, values) };
  return { kind: 'argv', argv: command.argv.map((arg) => substitute(arg.text, values)) };
}

function report(
  ctx: BuildContext,
  path: FieldPath,
  at: 'key' | 'value',
  message: string,
  job?: string,
): void {
  ctx.problems.push(job === undefined ? { path, at, message } : { path, at, message, job });
}
