/** Milliseconds per unit, largest first: parts of a combined duration must come in this order. */
const UNITS = [
  ['h', 3_600_000],
  ['m', 60_000],
  ['s', 1_000],
  ['ms', 1],
] as const;

// One `<number><unit>` part; `ms` is tried before `m` so `500ms` is not read as minutes followed by garbage.
const PART = /(\d+(?:\.\d+)?|\.\d+)(ms|h|m|s)/y;

const HINT = "use a duration such as '500ms', '30s', '1.5m', '1h', '1m30s', or a number of seconds";

/**
 * Parses a duration into milliseconds, or returns why it is not one (a message naming what is accepted).
 *
 * Accepted: a string of one or more `<number><unit>` parts with units `h`, `m`, `s`, `ms`, each at most once and
 * largest first (`'500ms'`, `'30s'`, `'1.5m'`, `'1h'`, `'1m30s'`), or a bare number, which counts **seconds**
 * (as `sleep` and `timeout` read one). Seconds rather than milliseconds because a pipeline's times are those of
 * processes, and a `timeout: 30` meaning 30 ms would kill nearly every job. A string without a unit is refused
 * rather than guessed. Negative, NaN and infinite values are refused; the result may have a fraction of a ms.
 */
export function parseDuration(value: unknown): number | string {
  if (typeof value === 'number') {
    return Number.isFinite(value) && value >= 0 ? value * 1000 : `${value} is not a duration: ${HINT}`;
  }
  if (typeof value !== 'string')
    return `${JSON.stringify(value) ?? String(value)} is not a duration: ${HINT}`;
  const text = value.trim();
  const ms = parseUnits(text);
  if (ms !== undefined) return ms;
  if (/^\d+(\.\d+)?$/.test(text))
    return `"${value}" has no unit: write ${text}s (or the number ${text}) for seconds, or use ms, m or h`;
  return `"${value}" is not a duration: ${HINT}`;
}

/** Sums the `<number><unit>` parts of `text`; `undefined` unless all of it is such parts, units in order. */
function parseUnits(text: string): number | undefined {
  if (text === '') return undefined;
  let total = 0;
  let next = 0; // index in UNITS of the smallest unit still allowed
  PART.lastIndex = 0;
  while (PART.lastIndex < text.length) {
    const match = PART.exec(text);
    if (match === null) return undefined;
    const index = UNITS.findIndex(([unit]) => unit === match[2]);
    if (index < next) return undefined;
    next = index + 1;
    total += Number(match[1]) * UNITS[index]![1];
  }
  return total;
}
