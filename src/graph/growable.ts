/** The typed arrays the graph stores its numbers in. */
export type NumberArray = Uint8Array | Int32Array | Float64Array;

/**
 * `array` if it holds at least `need` elements, else a copy at least twice as long (so appending stays amortised
 * O(1)) whose new tail is filled with `fill`.
 */
export function grown<A extends NumberArray>(
  array: A,
  need: number,
  make: new (length: number) => A,
  fill = 0,
): A {
  if (need <= array.length) return array;
  const copy = new make(Math.max(need, array.length * 2, 8));
  copy.set(array);
  if (fill !== 0) copy.fill(fill, array.length);
  return copy;
}
