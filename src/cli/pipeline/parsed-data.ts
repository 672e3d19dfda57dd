// The readers take the parsed file after its shape was checked: anything malformed was reported then, so they
// skip it rather than report it twice.

/** A mapping of the parsed file. */
export type Fields = Record<string, unknown>;

/** Whether a parsed value is a mapping (not a list, not `null`). */
export function isFields(value: unknown): value is Fields {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The entries of a mapping; none for anything else. */
export function entriesOf(value: unknown): [string, unknown][] {
  return isFields(value) ? Object.entries(value) : [];
}
