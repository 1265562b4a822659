import { MAX_NESTING_DEPTH, tooDeepField } from './json-text';

/**
 * What a scanner hands to the reader: the raw text of one element (a block, or a log of a logs
 * file; parsed later, one at a time), the raw text of the `toBlock` value of the object shape,
 * or the raw text of the `error` member of a JSON-RPC response.
 */
export type ScanItem =
  | {
      kind: 'block';
      text: string;
      /** 0-based position of the element in the file. */
      index: number;
      /** Line (1-based) where the element's text starts. */
      line: number;
      /** NDJSON: the last line of the file, not ended by a newline (a cut-off file shows here). */
      unterminated?: boolean;
    }
  | { kind: 'toBlock'; text: string; line: number }
  | { kind: 'rpcError'; text: string; line: number };

/** Names an element in a message, by its block number when the reader knows it, else by position. */
export type DescribeBlock = (index: number) => string;

/** What the elements of the file are, as far as the reader knows when a message is built. */
export type ElementNoun = 'block' | 'log';

/**
 * A problem found by a scanner. Its message is built once the reader has handled every item the
 * scanner emitted before the problem, so that it can name the blocks by number where it knows them,
 * and say "log" rather than "block" once it knows that the file holds logs.
 */
export class ScanError extends Error {
  constructor(
    readonly describe: (block: DescribeBlock, noun?: ElementNoun) => string,
    readonly location: { blockIndex?: number; blockNumber?: number; field?: string; line?: number } = {},
  ) {
    super('block file scan error');
    this.name = 'ScanError';
  }
}

/** A sync, incremental splitter of a decoded character stream into block texts. */
export interface BlockScanner {
  /** Scans one more piece of the text; items found are appended to `out`. Throws ScanError. */
  push(chunk: string, out: ScanItem[]): void;
  /** The text is complete: emits what is pending, or throws ScanError when the file is cut off. */
  end(out: ScanItem[]): void;
  /** The current line, and the block being read if the scan is inside one. */
  where(): { line: number; blockIndex?: number };
}

/** Default bound on the text of one block: the reader keeps one block in memory, never more. */
export const DEFAULT_MAX_BLOCK_CHARS = 64 * 1024 * 1024;

/** The element is over the size bound. `line` is left out of the message when undefined. */
export function tooLarge(index: number, line: number | undefined, max: number): ScanError {
  const at = line === undefined ? '' : ` (line ${line})`;
  return new ScanError(
    (_, noun = 'block') => `${noun} #${index + 1}${at} is larger than the limit of ${max} characters for one ${noun}`,
    { blockIndex: index, line },
  );
}

const BLOCK_NUMBER = /^(?:0|[1-9][0-9]*)$/;
const QUANTITY = /^"(?:0x[0-9a-fA-F]+|[0-9]+)"$/;

/** A block number written as a JSON number (native blocks, logs) or, for logs, as a quantity string. */
function numberOf(text: string | undefined, quantities: boolean): number | undefined {
  if (text === undefined) return undefined;
  let value: number | undefined;
  if (BLOCK_NUMBER.test(text)) value = Number(text);
  else if (quantities && QUANTITY.test(text)) value = Number(BigInt(text.slice(1, -1)));
  return value !== undefined && Number.isSafeInteger(value) ? value : undefined;
}

/**
 * The element nests arrays and objects deeper than MAX_NESTING_DEPTH. `prefix` is its text up to
 * the bracket one level too deep (at `at`, "line l, column c"): it tells the field, and the
 * block number when the element gave it before that point. `line` is where the element starts
 * (left out of the message when undefined).
 */
export function tooDeep(index: number, line: number | undefined, at: string, prefix: string): ScanError {
  const { field, members, keys } = tooDeepField(prefix);
  // What the element is, when the reader cannot tell yet (the first element decides): a log has
  // "topics" or "data" and no "events" (as looksLikeLog), as far as the element was read.
  const guess: ElementNoun = (keys.has('topics') || keys.has('data')) && !keys.has('events') ? 'log' : 'block';
  const native = numberOf(members.get('number') ?? members.get('blockNumber'), false);
  const ofLog = numberOf(members.get('blockNumber'), true);
  const limit = `nested deeper than ${MAX_NESTING_DEPTH} levels of arrays and objects (at ${at})`;
  return new ScanError(
    (_, readerNoun) => {
      const noun = readerNoun ?? guess;
      const where = line === undefined ? '' : ` (line ${line})`;
      const name =
        noun === 'log'
          ? `log #${index + 1}${ofLog === undefined ? where : ` (${line === undefined ? '' : `line ${line}, `}block ${ofLog})`}`
          : `${native === undefined ? `block #${index + 1}` : `block ${native}`}${where}`;
      return `${name}: ${field === '' ? `the ${noun}` : `field "${field}"`} is ${limit}`;
    },
    {
      blockIndex: index,
      ...(native === undefined ? {} : { blockNumber: native }),
      ...(field === '' ? {} : { field }),
      ...(line === undefined ? {} : { line }),
    },
  );
}

/** A member of the top-level object (`toBlock`, or one of a JSON-RPC response) nests too deeply. */
export function fieldTooDeep(field: string, line: number, at: string): ScanError {
  return new ScanError(() => `field "${field}" is nested deeper than ${MAX_NESTING_DEPTH} levels of arrays and objects (at ${at})`, {
    field,
    line,
  });
}
