import { isValidAmount } from '../../capacity/amount.js';
import type { ResourceCost } from '../../foundation/resource-cost.js';
import { entriesOf, isFields } from './parsed-data.js';
import { type FieldPath, fieldLabel, type Problem, report } from './problems.js';
import { closestName } from './schema.js';

/** The limit of each resource, from `resources`, `--resources` and `devices`. */
export interface Limits {
  amounts: Map<string, number>;
  /** Every resource `resources` names, valid or not (a cost on a malformed one is not also "unknown"). */
  declared: Set<string>;
  /** Resources whose limit `--resources` set. */
  overridden: Set<string>;
}

/** The limits of `resources`, replaced by `overrides` (`--resources`) for the resources they name. */
export function readLimits(raw: unknown, overrides: ResourceCost | undefined, problems: Problem[]): Limits {
  const amounts = new Map<string, number>();
  const declared = new Set<string>();
  for (const [name, amount] of entriesOf(raw)) {
    declared.add(name);
    if (!isAmount(amount)) continue;
    const problem = amountProblem(amount);
    if (problem !== undefined) report(problems, ['resources', name], 'value', `resources.${name} ${problem}`);
    amounts.set(name, amount);
  }
  const overridden = new Set<string>();
  for (const [name, amount] of Object.entries(overrides ?? {})) {
    amounts.set(name, amount);
    overridden.add(name);
  }
  return { amounts, declared, overridden };
}

function limitSource(limits: Limits, resource: string): string {
  return limits.overridden.has(resource) ? `--resources ${resource}=` : `resources.${resource} = `;
}

/** Device ids per resource; a resource without a limit gets its number of ids as one. */
export function readDevices(raw: unknown, limits: Limits, problems: Problem[]): Map<string, string[]> {
  const devices = new Map<string, string[]>();
  for (const [resource, list] of entriesOf(raw)) {
    if (!Array.isArray(list)) continue;
    const ids = readDeviceIds(resource, list, problems);
    devices.set(resource, ids ?? []);
    if (ids === undefined) continue;
    const limit = limits.amounts.get(resource);
    if (limit === undefined) limits.amounts.set(resource, ids.length);
    else if (limit !== ids.length)
      report(
        problems,
        ['devices', resource],
        'key',
        `devices.${resource} lists ${ids.length} ids but ${limitSource(limits, resource)}${limit}: ` +
          `a device resource's limit is its number of ids`,
      );
  }
  return devices;
}

/** The ids as strings; `undefined` when one is malformed or repeated (so their count means nothing). */
function readDeviceIds(resource: string, list: unknown[], problems: Problem[]): string[] | undefined {
  const ids: string[] = [];
  let valid = true;
  for (const [i, id] of list.entries()) {
    if (!((typeof id === 'string' && id !== '') || (Number.isInteger(id) && (id as number) >= 0))) {
      valid = false;
      continue;
    }
    const text = String(id);
    if (ids.includes(text)) {
      report(
        problems,
        ['devices', resource, i],
        'value',
        `devices.${resource}[${i}] repeats the id "${text}"`,
      );
      valid = false;
    } else ids.push(text);
  }
  return valid ? ids : undefined;
}

/** The cost, checking each amount against the resources: one that exceeds its limit could never start. */
export function readCost(
  raw: unknown,
  path: FieldPath,
  limits: Limits,
  devices: Map<string, string[]>,
  problems: Problem[],
): ResourceCost | undefined {
  if (!isFields(raw)) return undefined;
  const cost: [string, number][] = [];
  for (const [resource, amount] of Object.entries(raw)) {
    const limit = limits.amounts.get(resource);
    if (limit === undefined) {
      if (limits.declared.has(resource)) continue;
      report(problems, [...path, resource], 'key', unknownResource(resource, [...path, resource], limits));
      continue;
    }
    if (!isAmount(amount)) continue;
    const problem = costProblem(resource, amount, limit, limits, devices);
    if (problem !== undefined)
      report(problems, [...path, resource], 'value', `${fieldLabel([...path, resource])} ${problem}`);
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
