import type { CommandTemplate, JobFields, Template } from './job-fields.js';
import { entriesOf, isFields } from './parsed-data.js';
import { type FieldPath, fieldLabel, type Problem, report } from './problems.js';

/** One job a job as written stands for: its name and its values of the matrix keys (none without a matrix). */
export interface Instance {
  name: string;
  values: Map<string, string>;
}

/** A matrix: every key as written, and the values of each (as strings) when all of them are valid. */
export interface Matrix {
  keys: string[];
  axes: string[][] | undefined;
}

/** The matrix at `path`, reporting repeated values. */
export function readMatrix(raw: unknown, path: FieldPath, problems: Problem[]): Matrix {
  const keys = isFields(raw) ? Object.keys(raw) : [];
  let axes: string[][] | undefined = keys.length > 0 ? [] : undefined;
  for (const [key, values] of entriesOf(raw)) {
    const axis = readAxis(values, [...path, key], problems);
    if (axis === undefined) axes = undefined;
    else axes?.push(axis);
  }
  return { keys, axes };
}

/** One key's values as strings; `undefined` when malformed or when two are the same (two jobs, one name). */
function readAxis(raw: unknown, path: FieldPath, problems: Problem[]): string[] | undefined {
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
      report(problems, [...path, i], 'value', `${fieldLabel([...path, i])} repeats the value "${text}"`);
      valid = false;
    }
    values.push(text);
  }
  return valid ? values : undefined;
}

/** One instance per combination of values: the cartesian product, first key outermost. */
export function instancesOf(name: string, matrix: Matrix): Instance[] {
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

/** `text` with its placeholders filled in from `values`; taken literally when there are none (no matrix). */
export function substitute(text: string, values: Map<string, string>): string {
  if (values.size === 0) return text;
  return text.replace(PLACEHOLDER, (match, literal: string | undefined, key: string | undefined) =>
    literal !== undefined ? `{${literal}}` : key !== undefined ? (values.get(key) ?? match) : match,
  );
}

function placeholdersIn(text: string): string[] {
  return [...text.matchAll(PLACEHOLDER)].flatMap((m) => (m[2] === undefined ? [] : [m[2]]));
}

/** Reports placeholders that name no matrix key: each would otherwise reach the command as typed. */
export function checkPlaceholders(
  job: string,
  command: CommandTemplate | undefined,
  fields: JobFields,
  deps: Template[],
  keys: string[],
  problems: Problem[],
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
      report(problems, template.path, 'value', message, job);
    }
  }
}
