import type { AllotErrorCode } from './codes.js';

/** Base class of allot's domain errors (those that are not range or type errors). */
export class AllotError extends Error {
  /** Stable code for programmatic handling. */
  readonly code: AllotErrorCode;

  constructor(code: AllotErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** Base class of allot's errors about an out-of-range or malformed argument. */
export class AllotRangeError extends RangeError {
  /** Stable code for programmatic handling. */
  readonly code: AllotErrorCode;

  constructor(code: AllotErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** Renders a value for an error message (numbers, strings and anything else). */
export function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean')
    return String(value);
  if (value === undefined) return 'undefined';
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
