import type { Template } from './job-fields.js';
import type { JobSpec } from './job-spec.js';
import { substitute } from './matrix.js';
import { type FieldPath, fieldLabel, type Problem, report } from './problems.js';
import { closestName } from './schema.js';

/** What a name in `deps` stands for: its job as written and the instances it means. */
interface NameTarget {
  source: string;
  instances: string[];
}

/**
 * A job's dependencies: the instance names each of its instances needs, and the jobs as written they come from
 * (for cycles). A dependency with matrix placeholders (`ingest[video={video}]`) means, for each instance, the
 * name its own values spell.
 */
export interface ResolvedDeps {
  names: Map<string, string[]>;
  edges: { to: string; path: FieldPath }[];
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

/** Each job's dependencies by name, reporting names of no job and jobs that depend on their own instances. */
export function resolveDeps(specs: JobSpec[], problems: Problem[]): Map<string, ResolvedDeps> {
  const registry = registerNames(specs);
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
          report(problems, dep.path, 'value', unknownJob({ ...dep, text }, jobNames));
          break;
        }
        if (templated && target.source === spec.name) {
          report(
            problems,
            dep.path,
            'value',
            `${fieldLabel(dep.path)}: a job cannot depend on its own instances`,
          );
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
export function reportCycles(specs: JobSpec[], deps: Map<string, ResolvedDeps>, problems: Problem[]): void {
  const order = specs.map((s) => s.name);
  const next = (name: string): string[] => deps.get(name)?.edges.map((e) => e.to) ?? [];
  for (const component of stronglyConnected(order, next)) {
    const first = order.find((name) => component.has(name))!;
    const cycle = shortestCycle(first, component, next);
    if (cycle === undefined) continue;
    const edge = deps.get(first)!.edges.find((e) => e.to === cycle[1])!;
    report(problems, edge.path, 'value', `dependency cycle: ${cycle.join(' → ')}`);
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
