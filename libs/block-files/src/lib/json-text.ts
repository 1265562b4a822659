/**
 * Small readers of the raw text of one element (a block or a log), for messages only: where a
 * value nests too deeply, and how a member was written in the file (JSON.parse rounds a number
 * such as 9007199254740993 before anything can see it). They never throw: the text may be a
 * prefix of the element, or not JSON at all.
 */

/**
 * How deeply arrays and objects may nest in one element (the element itself is level 1). No real
 * block or log needs more than a handful of levels; the bound keeps a hostile file from
 * exhausting the stack of whatever walks a parsed value (canonical JSON, messages).
 */
export const MAX_NESTING_DEPTH = 64;

/** Character codes of JSON's structural characters, for the scanners that walk text code by code. */
export const QUOTE = 0x22;
export const BACKSLASH = 0x5c;
export const NEWLINE = 0x0a;
export const OPEN_BRACE = 0x7b;
export const CLOSE_BRACE = 0x7d;
export const OPEN_BRACKET = 0x5b;
export const CLOSE_BRACKET = 0x5d;
export const COMMA = 0x2c;
export const COLON = 0x3a;

/** The index of the closing quote of the string whose opening quote is at `open`, or -1 when the text ends first. */
function closingQuote(text: string, open: number): number {
  let from = open + 1;
  for (;;) {
    const quote = text.indexOf('"', from);
    if (quote < 0) return -1;
    let backslashes = 0;
    while (text.charCodeAt(quote - 1 - backslashes) === BACKSLASH) backslashes += 1;
    if (backslashes % 2 === 0) return quote;
    from = quote + 1;
  }
}

/** Whether the text holds more than `max` opening brackets ('[' and '{', strings included). */
function moreThan(text: string, max: number): boolean {
  let count = 0;
  for (const bracket of ['[', '{']) {
    for (let at = text.indexOf(bracket); at >= 0; at = text.indexOf(bracket, at + 1)) {
      count += 1;
      if (count > max) return true;
    }
  }
  return false;
}

/**
 * The index of the bracket at which arrays and objects in `text` (one JSON value) nest deeper
 * than `max` levels, or -1. Strings are skipped whole, so brackets inside them do not count.
 */
export function tooDeepAt(text: string, max = MAX_NESTING_DEPTH): number {
  // Fast path: nesting deeper than `max` takes more than `max` opening brackets, and a block has
  // a few (indexOf finds them at native speed, whereas the walk below goes character by character).
  if (!moreThan(text, max)) return -1;
  let depth = 0;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      const end = closingQuote(text, i);
      if (end < 0) return -1; // an unterminated string: JSON.parse will say so
      i = end;
    } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      depth += 1;
      if (depth > max) return i;
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      depth -= 1;
    }
  }
  return -1;
}

interface Frame {
  array: boolean;
  /** Objects: the key of the member being read (undefined before its key). */
  key: string | undefined;
  /** Arrays: the index of the element being read. */
  index: number;
}

/** What `readText` found: the containers still open where the text ends, and the scalar members of the top-level object. */
interface TextShape {
  /** The containers open at the end of the text, outermost first. */
  open: Frame[];
  /** The top-level object's members whose values are scalars, as written (the last one of a repeated key). */
  members: Map<string, string>;
  /** The keys of the top-level object. */
  keys: Set<string>;
}

function isScalarEnd(c: number): boolean {
  return c === COMMA || c === CLOSE_BRACE || c === CLOSE_BRACKET || c === 0x20 || c === 0x0a || c === 0x09 || c === 0x0d;
}

/** Reads one JSON value's text (possibly cut short) as far as it goes. */
function readText(text: string): TextShape {
  const open: Frame[] = [];
  const members = new Map<string, string>();
  const keys = new Set<string>();
  const n = text.length;
  const member = (raw: string) => {
    const top = open[0];
    if (open.length === 1 && !top.array && top.key !== undefined) members.set(top.key, raw);
  };
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    const frame = open[open.length - 1];
    if (c === QUOTE) {
      const end = closingQuote(text, i);
      if (end < 0) break;
      const raw = text.slice(i, end + 1);
      if (frame !== undefined && !frame.array && frame.key === undefined) {
        let key: string;
        try {
          key = JSON.parse(raw) as string;
        } catch {
          key = raw.slice(1, -1);
        }
        frame.key = key;
        if (open.length === 1) keys.add(key);
      } else {
        member(raw);
      }
      i = end;
    } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      open.push({ array: c === OPEN_BRACKET, key: undefined, index: 0 });
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      open.pop();
    } else if (c === COMMA) {
      if (frame?.array) frame.index += 1;
      else if (frame) frame.key = undefined;
    } else if (c !== COLON && !isScalarEnd(c)) {
      // A number or a literal: up to the next delimiter.
      let end = i + 1;
      while (end < n && !isScalarEnd(text.charCodeAt(end))) end += 1;
      member(text.slice(i, end));
      i = end - 1;
    }
  }
  return { open, members, keys };
}

/**
 * The text of a top-level member of an object, as written in the file, when its value is a
 * scalar (a number, string or literal); undefined otherwise. A repeated key gives its last
 * value, as JSON.parse does.
 */
export function memberText(text: string, key: string): string | undefined {
  return readText(text).members.get(key);
}

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** A path to a member in the usual notation: `events[0].x`, `["odd key"]`. */
function formatPath(components: readonly (string | number)[]): string {
  let path = '';
  for (const component of components) {
    if (typeof component === 'number') path += `[${component}]`;
    else if (IDENTIFIER.test(component)) path += path === '' ? component : `.${component}`;
    else path += `[${JSON.stringify(component)}]`;
  }
  return path;
}

/** How many components of a path a message shows. */
const SHOWN_COMPONENTS = 8;

/**
 * Where an element nests too deeply, from its text up to (and including) the bracket that goes
 * one level too deep: the field holding the too-deep value (the path to the deepest member named
 * by a key, at most a few components, '' when the element is arrays all the way down), the
 * top-level scalar members read before that point, and the top-level keys.
 */
export function tooDeepField(prefix: string): { field: string; members: Map<string, string>; keys: Set<string> } {
  const { open, members, keys } = readText(prefix);
  // Each open container but the innermost holds the next one at its current key or index.
  const components: (string | number)[] = [];
  for (let k = 0; k < open.length - 1; k++) {
    const frame = open[k];
    if (frame.array) components.push(frame.index);
    else if (frame.key !== undefined) components.push(frame.key);
    else break;
  }
  // Indexes after the last key add nothing: "x is nested too deeply" says it.
  let end = components.length;
  while (end > 0 && typeof components[end - 1] === 'number') end -= 1;
  const shown = components.slice(0, Math.min(end, SHOWN_COMPONENTS));
  const field = formatPath(shown) + (end > SHOWN_COMPONENTS ? '…' : '');
  return { field, members, keys };
}
