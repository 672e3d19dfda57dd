import { AllotError, show } from './allot-error.js';

/** A key was added to a dependency graph twice. */
export class DuplicateKeyError extends AllotError {
  constructor(readonly key: unknown) {
    super('ALLOT_DUPLICATE_KEY', `Key ${show(key)} is already in the graph. Use a unique key per node.`);
  }
}

/** A node names a dependency the graph does not hold. */
export class MissingDependencyError extends AllotError {
  constructor(
    readonly key: unknown,
    readonly dependency: unknown,
  ) {
    super(
      'ALLOT_MISSING_DEPENDENCY',
      `Node ${show(key)} depends on ${show(dependency)}, which is not in the graph. ` +
        'Add dependencies first, or use addAll() to add a batch in any order.',
    );
  }
}

/** Adding nodes would create a dependency cycle; nothing was added. */
export class CycleError extends AllotError {
  constructor(readonly cycle: readonly unknown[]) {
    super(
      'ALLOT_CYCLE',
      `Dependency cycle: ${cycle.map((k) => show(k)).join(' -> ')}. Nothing was added; remove one of these edges.`,
    );
  }
}

/** A graph transition was asked of a node in the wrong state. */
export class InvalidStateError extends AllotError {
  constructor(
    readonly key: unknown,
    readonly state: string,
    readonly action: string,
    readonly expected: string,
  ) {
    super('ALLOT_INVALID_STATE', `Cannot ${action} node ${show(key)}: it is ${state}, expected ${expected}.`);
  }
}

/** A graph method was called with a key the graph does not hold. */
export class UnknownKeyError extends AllotError {
  constructor(readonly key: unknown) {
    super('ALLOT_UNKNOWN_KEY', `Key ${show(key)} is not in the graph. Check has(key) first.`);
  }
}
