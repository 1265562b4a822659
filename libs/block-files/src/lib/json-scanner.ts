import {
  BACKSLASH,
  CLOSE_BRACE,
  CLOSE_BRACKET,
  COLON as COLON_CHAR,
  COMMA,
  MAX_NESTING_DEPTH,
  NEWLINE,
  OPEN_BRACE,
  OPEN_BRACKET,
  QUOTE,
} from './json-text';
import {
  BlockScanner,
  DEFAULT_MAX_BLOCK_CHARS,
  DescribeBlock,
  ElementNoun,
  fieldTooDeep,
  ScanError,
  ScanItem,
  tooDeep,
  tooLarge,
} from './scan';

// Where the scanner stands in the top-level value.
const START = 0; // before the top-level value
const ARRAY_FIRST = 1; // after '[': a block or ']'
const ARRAY_NEXT = 2; // after a block: ',' or ']'
const ARRAY_ELEMENT = 3; // after ',': a block
const VALUE = 4; // inside a block (or the toBlock value), capturing its text
const OBJECT_FIRST = 5; // after '{': a key or '}'
const OBJECT_KEY = 6; // after ',' in the object: a key
const KEY = 7; // inside a key string
const COLON = 8; // after a key: ':'
const OBJECT_VALUE = 9; // after ':': the value of the key
const OBJECT_NEXT = 10; // after a value: ',' or '}'
const END = 11; // after the top-level value: whitespace only

const SHAPES = 'an array of blocks, or an object { "toBlock"?: n, "blocks": [...] }';
const LOG_SHAPES = 'an array of logs (eth_getLogs log objects), or a JSON-RPC response { "jsonrpc", "id", "result": [...] }';

/**
 * Which top-level shapes the scanner takes: `blocks` the native ones (spec §1); `logs` an array
 * of logs or a JSON-RPC response `{ jsonrpc, id, result: [...] }` (or `error`); `any` all of them,
 * the object's first key telling which object it is (`blocks`/`toBlock` or a JSON-RPC member).
 */
export type JsonShapes = 'blocks' | 'logs' | 'any';

/** The top-level value: an array of elements, the native object, or a JSON-RPC response. */
export type JsonShape = 'array' | 'blocks' | 'rpc';

type Key = 'blocks' | 'toBlock' | 'jsonrpc' | 'id' | 'result' | 'error';
const NATIVE_KEYS: readonly string[] = ['blocks', 'toBlock'];
const RPC_KEYS: readonly string[] = ['jsonrpc', 'id', 'result', 'error'];
/** Fields of a log (but not of a block): an object starting with one is a log not in an array. */
const LOG_KEYS: readonly string[] = ['address', 'topics', 'data', 'blockHash', 'transactionHash', 'transactionIndex', 'logIndex', 'removed'];

function isWhitespace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x09 || c === 0x0d;
}

/** The first character of a JSON value other than an object or array. */
function startsScalar(c: number): boolean {
  return c === QUOTE || c === 0x2d || (c >= 0x30 && c <= 0x39) || c === 0x74 || c === 0x66 || c === 0x6e;
}

/** What kind of JSON value starts with this character, for messages. */
function kindOf(c: number): string {
  if (c === OPEN_BRACE) return 'an object';
  if (c === OPEN_BRACKET) return 'an array';
  if (c === QUOTE) return 'a string';
  if (c === 0x74 || c === 0x66) return 'a boolean';
  if (c === 0x6e) return 'null';
  return 'a number';
}

function showChar(c: number): string {
  return JSON.stringify(String.fromCharCode(c));
}

/**
 * An incremental scanner of the JSON block file shapes (spec §1): the top-level array, or the
 * object with `blocks` and an optional `toBlock`, in any key order; and of the JSON shapes of a
 * logs file: the top-level array, or a JSON-RPC response whose `result` is the array of logs.
 * It tracks strings, escapes and nesting depth, and cuts the array into the texts of its
 * elements, which the reader parses one by one, so that memory stays proportional to one
 * element whatever the file size. A value nested deeper than MAX_NESTING_DEPTH is refused here,
 * before anything parses or walks it.
 *
 * It checks the structure around the elements (brackets, commas, keys, what follows the
 * top-level value); the text of each element is checked by JSON.parse in the reader.
 */
export class JsonBlockScanner implements BlockScanner {
  private state = START;
  /** Whether the array being read is the `blocks` (or `result`) of an object (else the top level). */
  private inObject = false;
  private topArray = false;
  /** Which object the top-level object is: known at '{', or at its first key for `any`. */
  private objectShape: 'blocks' | 'rpc' | undefined;
  private seenKeys = new Set<string>();
  private currentKey: Key = 'blocks';
  /** Where the key being read starts, for messages. */
  private keyAt = '';

  /** Position: line (1-based) and the absolute offset of its start, offset of the current chunk. */
  private line = 1;
  private lineStart = 0;
  private offset = 0;

  private blockIndex = 0;
  // The value being captured.
  private valueKind: 'block' | 'toBlock' | 'rpcError' | 'skip' = 'block';
  private valueLine = 1;
  private pieces: string[] = [];
  private pendingChars = 0;
  private depth = 0;
  private inString = false;
  private escape = false;
  private bare = false;
  /** Position of the next backslash in the current chunk at or after the scan position (cache). */
  private nextBackslash = -1;

  constructor(
    private readonly maxBlockChars = DEFAULT_MAX_BLOCK_CHARS,
    private readonly shapes: JsonShapes = 'blocks',
  ) {}

  /** The top-level shape, once known (the object's shape from its first key, under `any`). */
  get shape(): JsonShape | undefined {
    return this.topArray ? 'array' : this.objectShape;
  }

  /** The elements are logs, whatever they hold: the scanner reads logs only, or a JSON-RPC response. */
  private get logsOnly(): boolean {
    return this.shapes === 'logs' || this.objectShape === 'rpc';
  }

  /** The noun for the elements in a message: what the reader says, unless the shape tells logs. */
  private noun(reader: ElementNoun | undefined): ElementNoun {
    return this.logsOnly ? 'log' : (reader ?? 'block');
  }

  private shapesText(): string {
    return this.logsOnly ? LOG_SHAPES : SHAPES;
  }

  private arrayName(noun: ElementNoun): string {
    if (!this.inObject) return `the array of ${noun}s`;
    return this.objectShape === 'rpc' ? 'the "result" array' : 'the "blocks" array';
  }

  push(chunk: string, out: ScanItem[]): void {
    const n = chunk.length;
    this.nextBackslash = -1;
    let i = 0;
    while (i < n) {
      if (this.state === VALUE) {
        i = this.scanValue(chunk, i, i, out);
        continue;
      }
      if (this.state === KEY) {
        i = this.scanKey(chunk, i, i);
        continue;
      }
      const c = chunk.charCodeAt(i);
      if (c === NEWLINE) {
        this.line += 1;
        this.lineStart = this.offset + i + 1;
        i += 1;
      } else if (isWhitespace(c)) {
        i += 1;
      } else {
        i = this.structural(c, chunk, i, out);
      }
    }
    this.offset += n;
  }

  end(_out: ScanItem[]): void {
    const where = { line: this.line };
    switch (this.state) {
      case END:
        return;
      case START: {
        const shapes = this.shapesText();
        throw new ScanError(() => `the file is empty: expected ${shapes}`);
      }
      case VALUE: {
        if (this.valueKind !== 'block') {
          const field = this.currentKey;
          throw new ScanError(() => `the file is truncated: it ends inside the value of field "${field}"`, {
            field,
            line: this.valueLine,
          });
        }
        const index = this.blockIndex;
        const line = this.valueLine;
        throw new ScanError(
          (describe, readerNoun) => {
            const noun = this.noun(readerNoun);
            return (
              `${noun} #${index + 1}${line > 1 ? ` (line ${line})` : ''}${index > 0 ? `, after ${describe(index - 1)}` : ''}: ` +
              `the file is truncated: it ends inside this ${noun}`
            );
          },
          { blockIndex: index, line },
        );
      }
      case ARRAY_FIRST:
      case ARRAY_NEXT:
      case ARRAY_ELEMENT: {
        const count = this.blockIndex;
        const field = this.objectShape === 'rpc' ? 'result' : 'blocks';
        return this.fail(
          (describe, readerNoun) => {
            const noun = this.noun(readerNoun);
            const array = this.arrayName(noun);
            return count === 0
              ? `the file is truncated: it ends before the first ${noun}, without the closing ']' of ${array}`
              : `after ${describe(count - 1)}: the file is truncated: it ends without the closing ']' of ${array}`;
          },
          { ...(count === 0 ? {} : { blockIndex: count - 1 }), ...(this.inObject ? { field } : {}), ...where },
        );
      }
      default:
        return this.fail(() => `the file is truncated: it ends inside the top-level object, without its closing '}'`, where);
    }
  }

  /** A character outside any value: structure of the top-level value. Returns the next index. */
  private structural(c: number, chunk: string, i: number, out: ScanItem[]): number {
    switch (this.state) {
      case START: {
        if (c === OPEN_BRACKET) {
          this.state = ARRAY_FIRST;
          this.topArray = true;
          return i + 1;
        }
        if (c === OPEN_BRACE) {
          this.state = OBJECT_FIRST;
          if (this.shapes !== 'any') this.objectShape = this.shapes === 'logs' ? 'rpc' : 'blocks';
          return i + 1;
        }
        const shapes = this.shapesText();
        if (startsScalar(c)) {
          return this.fail(() => `not one of the shapes: the file holds ${kindOf(c)}, expected ${shapes}`);
        }
        return this.unexpected(c, i, `expected ${shapes}`);
      }

      case ARRAY_FIRST:
      case ARRAY_ELEMENT: {
        if (c === OPEN_BRACE || c === OPEN_BRACKET || startsScalar(c)) return this.beginValue('block', c, chunk, i, out);
        if (c === CLOSE_BRACKET && this.state === ARRAY_FIRST) return this.closeArray(i);
        if (c === CLOSE_BRACKET) {
          const index = this.blockIndex - 1;
          const at = this.at(i);
          return this.fail((describe) => `after ${describe(index)}: not JSON: a trailing comma before ']' at ${at}`, {
            blockIndex: index,
            line: this.line,
          });
        }
        const first = this.state === ARRAY_FIRST;
        return this.unexpected(c, i, (noun) => (first ? `expected a ${noun} or ']'` : `expected a ${noun}`));
      }

      case ARRAY_NEXT:
        if (c === COMMA) {
          this.state = ARRAY_ELEMENT;
          return i + 1;
        }
        if (c === CLOSE_BRACKET) return this.closeArray(i);
        return this.unexpected(c, i, "expected ',' or ']'", this.blockIndex - 1);

      case OBJECT_FIRST:
      case OBJECT_KEY:
        if (c === QUOTE) {
          this.state = KEY;
          this.keyAt = this.at(i);
          this.pieces = [];
          this.pendingChars = 0;
          this.escape = false;
          return this.scanKey(chunk, i + 1, i + 1);
        }
        if (c === CLOSE_BRACE && this.state === OBJECT_FIRST) return this.closeObject(i);
        return this.unexpected(c, i, this.state === OBJECT_FIRST ? `expected a key or '}'` : 'expected a key');

      case COLON:
        if (c === COLON_CHAR) {
          this.state = OBJECT_VALUE;
          return i + 1;
        }
        return this.unexpected(c, i, `expected ':' after the key "${this.currentKey}"`);

      case OBJECT_VALUE: {
        const key = this.currentKey;
        if (key === 'blocks' || key === 'result') {
          if (c === OPEN_BRACKET) {
            this.state = ARRAY_FIRST;
            this.inObject = true;
            return i + 1;
          }
          if (c === OPEN_BRACE || startsScalar(c)) {
            const at = this.at(i);
            const elements = key === 'blocks' ? 'blocks' : 'logs';
            return this.fail(() => `field "${key}" must be an array of ${elements}, got ${kindOf(c)} at ${at}`, {
              field: key,
              line: this.line,
            });
          }
        } else if (c === OPEN_BRACE || c === OPEN_BRACKET || startsScalar(c)) {
          const kind = key === 'toBlock' ? 'toBlock' : key === 'error' ? 'rpcError' : 'skip';
          return this.beginValue(kind, c, chunk, i, out);
        }
        return this.unexpected(c, i, `expected the value of field "${this.currentKey}"`);
      }

      case OBJECT_NEXT:
        if (c === COMMA) {
          this.state = OBJECT_KEY;
          return i + 1;
        }
        if (c === CLOSE_BRACE) return this.closeObject(i);
        return this.unexpected(c, i, `expected ',' or '}'`);

      default: {
        // END
        const at = this.at(i);
        return this.fail(
          () => `not JSON: unexpected ${showChar(c)} at ${at} after the end of the top-level value (trailing content)`,
          { line: this.line },
        );
      }
    }
  }

  private closeArray(i: number): number {
    this.state = this.inObject ? OBJECT_NEXT : END;
    return i + 1;
  }

  private closeObject(i: number): number {
    if (this.objectShape === 'rpc') {
      if (!this.seenKeys.has('result') && !this.seenKeys.has('error')) {
        return this.fail(
          () => `not one of the shapes: the JSON-RPC response has no "result" array of logs (expected ${LOG_SHAPES})`,
          { field: 'result', line: this.line },
        );
      }
    } else if (!this.seenKeys.has('blocks')) {
      return this.fail(() => `not one of the shapes: the top-level object has no "blocks" array (expected ${SHAPES})`, {
        field: 'blocks',
        line: this.line,
      });
    }
    this.state = END;
    return i + 1;
  }

  /** Starts capturing a value at `i` (its first character is `c`) and scans what follows. */
  private beginValue(kind: JsonBlockScanner['valueKind'], c: number, chunk: string, i: number, out: ScanItem[]): number {
    this.state = VALUE;
    this.valueKind = kind;
    this.valueLine = this.line;
    this.pieces = [];
    this.pendingChars = 0;
    this.escape = false;
    this.depth = 0;
    this.inString = false;
    this.bare = false;
    if (c === OPEN_BRACE || c === OPEN_BRACKET) this.depth = 1;
    else if (c === QUOTE) this.inString = true;
    else this.bare = true;
    return this.scanValue(chunk, this.bare ? i : i + 1, i, out);
  }

  /**
   * Scans the value being captured from `from`; its text in this chunk starts at `start`.
   * Returns the index after the value when it ends in this chunk, else the chunk length.
   */
  private scanValue(chunk: string, from: number, start: number, out: ScanItem[]): number {
    const n = chunk.length;
    let i = from;
    if (this.bare) {
      // A number or literal: ends before a delimiter, which is left to the structure.
      for (; i < n; i++) {
        const c = chunk.charCodeAt(i);
        if (isWhitespace(c) || c === COMMA || c === CLOSE_BRACKET || c === CLOSE_BRACE) {
          this.finishValue(chunk.slice(start, i), out);
          return i;
        }
      }
      this.keep(chunk.slice(start));
      return n;
    }
    let depth = this.depth;
    let inString = this.inString;
    if (this.escape && i < n) {
      // The character after a backslash that ended the previous chunk.
      this.escape = false;
      i += 1;
    }
    while (i < n) {
      if (inString) {
        // Jump to the next quote; a backslash before it escapes the character that follows it.
        let quote = chunk.indexOf('"', i);
        if (quote < 0) quote = n;
        let backslash = this.nextBackslash;
        if (backslash < i) {
          backslash = chunk.indexOf('\\', i);
          if (backslash < 0) backslash = n;
          this.nextBackslash = backslash;
        }
        if (backslash < quote) {
          i = backslash + 2;
          if (i > n) {
            this.escape = true;
            i = n;
          }
          continue;
        }
        if (quote === n) {
          i = n;
          break;
        }
        i = quote + 1;
        inString = false;
        if (depth === 0) {
          // A string value (only as a block, which the reader will refuse, or as toBlock).
          this.finishValue(chunk.slice(start, i), out);
          return i;
        }
        continue;
      }
      const c = chunk.charCodeAt(i);
      if (c === QUOTE) {
        inString = true;
      } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
        depth += 1;
        if (depth > MAX_NESTING_DEPTH) this.tooDeep(chunk, start, i);
      } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
        depth -= 1;
        if (depth === 0) {
          this.finishValue(chunk.slice(start, i + 1), out);
          return i + 1;
        }
      } else if (c === NEWLINE) {
        this.line += 1;
        this.lineStart = this.offset + i + 1;
      }
      i += 1;
    }
    this.depth = depth;
    this.inString = inString;
    this.keep(chunk.slice(start, n));
    return n;
  }

  /** The value being captured nests too deeply at `i`, where its text in this chunk starts at `start`. */
  private tooDeep(chunk: string, start: number, i: number): never {
    const at = this.at(i);
    if (this.valueKind !== 'block') throw fieldTooDeep(this.currentKey, this.valueLine, at);
    const prefix = this.pieces.join('') + chunk.slice(start, i + 1);
    const error = tooDeep(this.blockIndex, this.valueLine > 1 ? this.valueLine : undefined, at, prefix);
    // (the elements of a JSON-RPC response are logs, whatever the reader knows yet)
    throw new ScanError((describe, noun) => error.describe(describe, this.logsOnly ? 'log' : noun), error.location);
  }

  private finishValue(last: string, out: ScanItem[]): void {
    let text = last;
    if (this.pieces.length > 0) {
      this.keep(last);
      text = this.pieces.join('');
      this.pieces = [];
      this.pendingChars = 0;
    } else if (text.length > this.maxBlockChars) {
      throw tooLarge(this.blockIndex, this.valueLine > 1 ? this.valueLine : undefined, this.maxBlockChars);
    }
    if (this.valueKind === 'block') {
      out.push({ kind: 'block', text, index: this.blockIndex, line: this.valueLine });
      this.blockIndex += 1;
      this.state = ARRAY_NEXT;
    } else {
      if (this.valueKind !== 'skip') out.push({ kind: this.valueKind, text, line: this.valueLine });
      this.state = OBJECT_NEXT;
    }
  }

  /** Scans a top-level key from `from` (its text in this chunk starts at `start`). */
  private scanKey(chunk: string, from: number, start: number): number {
    const n = chunk.length;
    for (let i = from; i < n; i++) {
      if (this.escape) {
        this.escape = false;
        continue;
      }
      const c = chunk.charCodeAt(i);
      if (c === BACKSLASH) {
        this.escape = true;
      } else if (c === QUOTE) {
        this.keep(chunk.slice(start, i));
        const raw = this.pieces.join('');
        this.pieces = [];
        this.pendingChars = 0;
        this.acceptKey(raw);
        return i + 1;
      }
    }
    this.keep(chunk.slice(start));
    return n;
  }

  private acceptKey(raw: string): void {
    const at = this.keyAt;
    let key: string;
    try {
      key = JSON.parse(`"${raw}"`) as string;
    } catch {
      this.fail(() => `not JSON: the top-level key at ${at} is not a valid JSON string`, { line: this.line });
    }
    // Under `any`, the first key tells which object this is: a JSON-RPC response (or a lone log,
    // refused below as such), or the native object.
    this.objectShape ??= RPC_KEYS.includes(key) || LOG_KEYS.includes(key) ? 'rpc' : 'blocks';
    if (this.objectShape === 'rpc' && !RPC_KEYS.includes(key)) {
      const looksLikeLog = LOG_KEYS.includes(key) || key === 'blockNumber';
      this.fail(
        () =>
          `not one of the shapes: unknown top-level key "${key}" at ${at}; expected ${LOG_SHAPES}` +
          (looksLikeLog ? ' (a single log must be wrapped in an array: [ {log} ])' : ''),
        { field: key, line: this.line },
      );
    }
    if (this.objectShape === 'blocks' && !NATIVE_KEYS.includes(key)) {
      const looksLikeBlock = key === 'number' || key === 'blockNumber' || key === 'events';
      this.fail(
        () =>
          `not one of the shapes: unknown top-level key "${key}" at ${at}; expected ${SHAPES}` +
          (looksLikeBlock ? ' (a single block must be wrapped in an array: [ {block} ])' : ''),
        { field: key, line: this.line },
      );
    }
    if (this.seenKeys.has(key)) {
      this.fail(() => `not one of the shapes: the top-level key "${key}" appears twice (at ${at})`, {
        field: key,
        line: this.line,
      });
    }
    this.seenKeys.add(key);
    this.currentKey = key as Key;
    this.state = COLON;
  }

  private keep(piece: string): void {
    if (piece.length === 0) return;
    this.pendingChars += piece.length;
    if (this.pendingChars > this.maxBlockChars) {
      if (this.state === KEY) {
        this.fail(() => `not one of the shapes: a top-level key is longer than ${this.maxBlockChars} characters`, {
          line: this.line,
        });
      }
      throw tooLarge(this.blockIndex, this.valueLine > 1 ? this.valueLine : undefined, this.maxBlockChars);
    }
    this.pieces.push(piece);
  }

  private at(i: number): string {
    return `line ${this.line}, column ${this.offset + i - this.lineStart + 1}`;
  }

  private unexpected(
    c: number,
    i: number,
    expected: string | ((noun: ElementNoun) => string),
    afterBlock?: number,
  ): never {
    const at = `not JSON: unexpected ${showChar(c)} at ${this.at(i)}`;
    const problem = (noun: ElementNoun | undefined) =>
      `${at} (${typeof expected === 'string' ? expected : expected(this.noun(noun))})`;
    if (afterBlock === undefined) return this.fail((_, noun) => problem(noun), { line: this.line });
    return this.fail((describe, noun) => `after ${describe(afterBlock)}: ${problem(noun)}`, {
      blockIndex: afterBlock,
      line: this.line,
    });
  }

  /** Where the scan stands, for a problem found outside the scanner (bytes that are not UTF-8). */
  where(): { line: number; blockIndex?: number } {
    return this.state === VALUE && this.valueKind === 'block'
      ? { line: this.line, blockIndex: this.blockIndex }
      : { line: this.line };
  }

  private fail(describe: (block: DescribeBlock, noun?: ElementNoun) => string, location: ScanError['location'] = {}): never {
    throw new ScanError(describe, location);
  }
}
