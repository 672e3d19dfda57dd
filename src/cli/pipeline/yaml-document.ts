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
import { isFields } from './parsed-data.js';
import type { FieldPath } from './problems.js';

/** A place in the file: 1-based line and column. */
export interface Position {
  line: number;
  column: number;
}

/**
 * A parsed file: the document (whose nodes keep their places in the text), its data, and the place of any field
 * in it; or the YAML errors, each at its place.
 */
export type YamlDocument =
  | {
      ok: true;
      doc: Document;
      data: unknown;
      /** The place of the field at `path`, or of the nearest enclosing field that exists. */
      positionOf: (path: FieldPath, at: 'key' | 'value') => Position;
    }
  | { ok: false; errors: (Position & { message: string })[] };

/** Parses the text of a pipeline file: a single YAML (or JSON) document, keys unique. */
export function parseYaml(text: string): YamlDocument {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const at = (offset: number): Position => {
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col };
  };
  if (doc.errors.length > 0) {
    const errors = doc.errors.map((e) => ({ ...at(e.pos[0]), message: `invalid YAML: ${yamlMessage(e)}` }));
    return { ok: false, errors };
  }
  let data: unknown;
  try {
    data = doc.toJS();
  } catch (error) {
    // Too many aliases (a "billion laughs" document) is the one way a parsed document fails to convert.
    const reason = error instanceof Error ? error.message : String(error);
    return { ok: false, errors: [{ line: 1, column: 1, message: `invalid YAML: ${reason}` }] };
  }
  return { ok: true, doc, data, positionOf: (path, where) => at(offsetOf(doc, path, where)) };
}

/** The parser's message, in the file's terms rather than the parser's API. */
function yamlMessage(error: YAMLError): string {
  return error.code === 'MULTIPLE_DOCS' ? 'a pipeline file holds a single document' : error.message;
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
export function keysInOrder(doc: Document, path: FieldPath, value: unknown): string[] {
  const node = doc.getIn(path, true);
  return isMap(node) ? node.items.map((p) => keyText(p.key)) : Object.keys(isFields(value) ? value : {});
}
