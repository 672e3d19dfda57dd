import AjvModule, { type ErrorObject, type ValidateFunction } from 'ajv';
import { type FieldPath, fieldLabel, type PathProblem } from './problems.js';

type Schema = Record<string, unknown>;

const DURATION: Schema = {
  type: ['string', 'number'],
  expected: "a duration such as '500ms', '30s', '1.5m', '1h', '1m30s', or a number of seconds",
};

const NON_NEGATIVE: Schema = { type: 'number', minimum: 0, expected: 'a non-negative number' };

const POSITIVE: Schema = { type: 'number', exclusiveMinimum: 0, expected: 'a positive number' };

const NAME: Schema = { type: 'string', minLength: 1, expected: 'a non-empty string' };

/** A map of resource name → amount, as `resources` and `cost` are. */
const AMOUNTS: Schema = {
  type: 'object',
  propertyNames: { minLength: 1, expected: 'a non-empty resource name' },
  additionalProperties: NON_NEGATIVE,
  expected: 'a mapping of resource name → non-negative number',
};

const ARGUMENT: Schema = { type: ['string', 'number'], expected: 'a string or a number' };

const COMMAND: Schema = {
  type: ['string', 'array'],
  minLength: 1,
  minItems: 1,
  items: [{ ...ARGUMENT, minLength: 1, expected: 'a program name (a non-empty string)' }],
  additionalItems: ARGUMENT,
  expected: 'a command: a non-empty string (run by /bin/sh -c) or a non-empty list of arguments',
};

const ENV: Schema = {
  type: 'object',
  propertyNames: { pattern: '^[^=\\u0000]+$', expected: 'an environment variable name (no "=")' },
  additionalProperties: {
    type: ['string', 'number', 'boolean'],
    expected: 'a string, a number or a boolean',
  },
  expected: 'a mapping of variable name → value',
};

const BACKOFF: Schema = {
  type: 'object',
  properties: {
    initial: DURATION,
    factor: { type: 'number', minimum: 1, expected: 'a number ≥ 1' },
    max: DURATION,
    jitter: { type: 'number', minimum: 0, maximum: 1, expected: 'a fraction from 0 to 1' },
  },
  additionalProperties: false,
  expected: 'a mapping { initial?, factor?, max?, jitter? }',
};

const RETRY: Schema = {
  // Keywords apply only to their own types: `minimum` to the count, the rest to the object form.
  type: ['integer', 'object'],
  minimum: 0,
  required: ['attempts'],
  properties: {
    attempts: {
      type: 'integer',
      minimum: 1,
      expected: 'a whole number ≥ 1 (tries in all, the first included)',
    },
    backoff: BACKOFF,
  },
  additionalProperties: false,
  expected: 'a number of retries (a whole number ≥ 0) or a mapping { attempts, backoff? }',
};

const MATRIX: Schema = {
  type: 'object',
  minProperties: 1,
  propertyNames: {
    pattern: '^[A-Za-z_][A-Za-z0-9_]*$',
    expected: 'letters, digits and "_", not starting with a digit',
  },
  additionalProperties: {
    type: 'array',
    minItems: 1,
    items: { type: ['string', 'number', 'boolean'], expected: 'a string, a number or a boolean' },
    expected: 'a non-empty list of values',
  },
  expected: 'a mapping of key → list of values, with at least one key',
};

/** Fields a job may have, in the order they are listed to the user. */
const JOB_FIELDS: Record<string, Schema> = {
  cmd: COMMAND,
  env: ENV,
  cwd: NAME,
  timeout: DURATION,
  retry: RETRY,
  priority: { type: 'number', expected: 'a finite number (higher starts first)' },
  deps: {
    type: 'array',
    items: { ...NAME, expected: 'a job name' },
    expected: 'a list of job names',
  },
  cost: AMOUNTS,
  tenant: NAME,
  progress: { ...NAME, expected: 'a regular expression' },
  total: POSITIVE,
  estimate: DURATION,
  matrix: MATRIX,
};

/** Fields that make sense only per job, so `defaults` refuses them. */
const PER_JOB_ONLY = new Set(['cmd', 'deps', 'matrix']);

const JOB: Schema = {
  type: 'object',
  required: ['cmd'],
  properties: JOB_FIELDS,
  additionalProperties: false,
  expected: 'a mapping of job fields (cmd, cost, deps, …)',
};

const DEFAULTS: Schema = {
  type: 'object',
  properties: Object.fromEntries(Object.entries(JOB_FIELDS).filter(([field]) => !PER_JOB_ONLY.has(field))),
  additionalProperties: false,
  expected: 'a mapping of job fields applied to every job',
};

/** Letters, digits, `_`, `.` and `-`: safe in log file names and in comma-separated `--jobs` lists. */
const JOB_NAME = '^[A-Za-z0-9_][A-Za-z0-9_.-]*$';

/**
 * JSON Schema (draft-07) of a pipeline file: its shape only; durations, regular expressions and references
 * between fields are checked after it. Every object refuses unknown fields. Each subschema's `expected`
 * annotation says in words what a valid value is: messages are built from it, not from the validator's wording.
 */
export const pipelineSchema: Schema = {
  type: 'object',
  required: ['resources', 'jobs'],
  properties: {
    resources: AMOUNTS,
    devices: {
      type: 'object',
      additionalProperties: {
        type: 'array',
        items: {
          type: ['string', 'integer'],
          minLength: 1,
          minimum: 0,
          expected: 'a device id (a non-empty string or a whole number ≥ 0)',
        },
        expected: 'a list of device ids',
      },
      expected: 'a mapping of resource name → list of device ids',
    },
    tenants: {
      type: 'object',
      additionalProperties: {
        type: 'object',
        properties: { weight: POSITIVE },
        additionalProperties: false,
        expected: 'a mapping { weight? }',
      },
      expected: 'a mapping of tenant name → { weight? }',
    },
    defaults: DEFAULTS,
    jobs: {
      type: 'object',
      minProperties: 1,
      propertyNames: {
        pattern: JOB_NAME,
        expected: 'letters, digits, "_", "." and "-", starting with a letter, a digit or "_"',
      },
      additionalProperties: JOB,
      expected: 'a mapping of job name → job, with at least one job',
    },
  },
  additionalProperties: false,
  expected: 'a mapping with at least "resources" and "jobs"',
};

let validator: ValidateFunction | undefined;

/** Compiles the schema once, on first use: the CLI's other commands should not pay for it. */
function validate(): ValidateFunction {
  if (validator === undefined) {
    const ajv = new AjvModule.default({
      allErrors: true,
      verbose: true,
      strict: true,
      // The program name is a one-element tuple followed by any arguments, not a fixed-length tuple.
      strictTuples: false,
      allowUnionTypes: true,
    });
    ajv.addKeyword({ keyword: 'expected', schemaType: 'string' });
    validator = ajv.compile(pipelineSchema);
  }
  return validator;
}

/**
 * Checks the shape of a parsed file against {@link pipelineSchema}. Returns every problem (none when the shape is
 * valid), each at the offending field with a message meant for a person.
 */
export function checkShape(data: unknown): PathProblem[] {
  const check = validate();
  if (check(data)) return [];
  const seen = new Set<string>();
  const problems: PathProblem[] = [];
  for (const error of check.errors ?? []) {
    const problem = toProblem(error);
    if (problem === undefined) continue;
    const id = `${problem.path.join('\0')}\0${problem.at}\0${problem.message}`;
    if (seen.has(id)) continue;
    seen.add(id);
    problems.push(problem);
  }
  return problems;
}

/** Translates one validator error; `undefined` for errors that only repeat another one. */
function toProblem(error: ErrorObject): PathProblem | undefined {
  const path = parsePointer(error.instancePath);
  const parent = error.parentSchema as Schema | undefined;
  switch (error.keyword) {
    case 'additionalProperties':
      return unknownField(path, String(error.params.additionalProperty), parent);
    case 'required': {
      const field = [...path, String(error.params.missingProperty)];
      return { path, at: 'key', message: `missing required field "${fieldLabel(field)}"` };
    }
    case 'propertyNames':
      // Repeats the error of the name's own schema, which carries `propertyName`.
      return undefined;
    default:
      if (error.propertyName !== undefined) return badName(path, error.propertyName, parent);
      return { path, at: 'value', message: `${fieldLabel(path)} must be ${expected(parent, error)}` };
  }
}

function unknownField(path: FieldPath, field: string, parent: Schema | undefined): PathProblem {
  if (path.length === 1 && path[0] === 'defaults' && PER_JOB_ONLY.has(field)) {
    const message = `"${field}" cannot have a default: set it on each job`;
    return { path: [...path, field], at: 'key', message };
  }
  const allowed = Object.keys((parent?.properties as Schema | undefined) ?? {});
  const guess = closestName(field, allowed);
  const hint = guess === undefined ? '' : `did you mean "${guess}"? `;
  const list = allowed.length === 0 ? 'none' : allowed.join(', ');
  return {
    path: [...path, field],
    at: 'key',
    message: `unknown field "${fieldLabel([...path, field])}" (${hint}allowed: ${list})`,
  };
}

function badName(path: FieldPath, name: string, parent: Schema | undefined): PathProblem {
  const what =
    path.length === 1 && path[0] === 'jobs' ? `job name "${name}"` : `name "${name}" in ${fieldLabel(path)}`;
  const rule = typeof parent?.expected === 'string' ? `: use ${parent.expected}` : '';
  return { path: [...path, name], at: 'key', message: `invalid ${what}${rule}` };
}

function expected(schema: Schema | undefined, error: ErrorObject): string {
  return typeof schema?.expected === 'string' ? schema.expected : (error.message ?? 'valid');
}

/** Splits a JSON pointer (`/jobs/a~1b/cost`) into its segments, list indexes as numbers. */
function parsePointer(pointer: string): FieldPath {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replaceAll('~1', '/').replaceAll('~0', '~'))
    .map((s) => (/^(0|[1-9]\d*)$/.test(s) ? Number(s) : s));
}

/**
 * The candidate `name` was most likely a typo of: the nearest by edit distance (a swap of neighbours counts
 * as one edit, case is ignored), if near enough to be a plausible slip; `undefined` otherwise.
 */
export function closestName(name: string, candidates: readonly string[]): string | undefined {
  const limit = Math.max(1, Math.floor(name.length / 3));
  let best: string | undefined;
  let bestDistance = limit + 1;
  for (const candidate of candidates) {
    const d = editDistance(name.toLowerCase(), candidate.toLowerCase());
    // Replacing every letter of a short name is no typo: "c" does not suggest "a".
    if (d < bestDistance && d < name.length) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

/** Optimal string alignment distance: insertions, deletions, substitutions and swaps of neighbours. */
function editDistance(a: string, b: string): number {
  const rows: number[][] = [];
  for (let i = 0; i <= a.length; i++) {
    const row: number[] = [i];
    for (let j = 1; j <= b.length; j++) {
      if (i === 0) {
        row.push(j);
        continue;
      }
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(rows[i - 1]![j]! + 1, row[j - 1]! + 1, rows[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        d = Math.min(d, rows[i - 2]![j - 2]! + 1);
      row.push(d);
    }
    rows.push(row);
  }
  return rows[a.length]![b.length]!;
}
