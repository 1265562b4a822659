import { createReadStream } from 'node:fs';
import { basename, extname } from 'node:path';
import {
  Block,
  BlockFileError,
  BlockPosition,
  BlockSequenceChecker,
  describeValue,
  isValueError,
  parseBlock,
  parseBlockNumber,
  parseTimestamp,
} from '@bqm/domain';
import { beyondLargest, describeWritten, LARGEST_INTEGER, LogBlock, LogBlockAssembler, LogPosition } from '@bqm/ssv-logs';
import { canonicalBlockJson, digestOf } from './canonical';
import { JsonBlockScanner, JsonShapes } from './json-scanner';
import { memberText } from './json-text';
import { NdjsonScanner } from './ndjson-scanner';
import { BlockScanner, DEFAULT_MAX_BLOCK_CHARS, ElementNoun, ScanError, ScanItem } from './scan';
import { firstInvalidUtf8, incompleteTail, rollTail } from './utf8';

/**
 * How a file is read: `json` and `ndjson` native block files (spec §1); `logs` the
 * `eth_getLogs` logs of the SSV network contract (a JSON array of logs, a JSON-RPC response
 * whose `result` is that array, or NDJSON of logs), assembled into native blocks.
 */
export type BlockFileFormat = 'json' | 'ndjson' | 'logs';

/** What became of the logs of a logs file. */
export interface LogCounts {
  /** Every log of the file. */
  total: number;
  /** Logs that are not registry events, or of a contract address not followed. */
  ignored: number;
  /** Logs of registry events that could not be decoded: each is rejected with InvalidEvent. */
  invalid: number;
  /** Logs marked `removed: true` (chain reorganisation), left out. */
  removed: number;
  /**
   * Identical copies of a log already read (same block, logIndex and content, as overlapping
   * eth_getLogs pages put end to end give): taken once, the copies dropped.
   */
  duplicates: number;
}

export interface BlockFileReaderOptions {
  /**
   * The format, instead of detecting it. `json` / `ndjson`: native blocks in that layout.
   * `logs`: logs, as JSON (or NDJSON for `.ndjson` / `.jsonl`). Without it, the extension tells
   * the layout (`.ndjson` / `.jsonl` → NDJSON, else JSON) and the start of the file tells logs
   * from native blocks (see `looksLikeLog`).
   */
  format?: BlockFileFormat;
  /**
   * Logs only: keep the logs of these contract addresses (0x + 40 hex digits, any case); the
   * others are counted as ignored. Absent or empty: every address.
   */
  addresses?: readonly string[];
  /** The file's name in messages; default: its base name. */
  displayName?: string;
  /** Bytes read at a time (default 256 KiB); tests use tiny values to split everything. */
  chunkSize?: number;
  /** A block whose text is longer than this is refused (default 64 Mi characters). */
  maxBlockChars?: number;
}

/** One block read from a file, with its canonical text and digest. */
export interface ReadBlock {
  block: Block;
  position: BlockPosition;
  /** canonicalBlockJson(block). */
  payload: string;
  /** blockDigest(block). */
  digest: string;
}

export interface BlockFileSummary {
  /** The format the file was read as: the one given, else the one detected. */
  format: BlockFileFormat;
  blockCount: number;
  firstBlock?: number;
  lastBlock?: number;
  /** The `toBlock` the file declares (object shape), if any. */
  toBlock?: number;
  /** Logs files: what became of their logs. */
  logs?: LogCounts;
}

const DEFAULT_CHUNK_SIZE = 256 * 1024;
const ADDRESS = /^0x[0-9a-fA-F]{40}$/;

/** The layout told by the extension: `.ndjson` / `.jsonl` → NDJSON, else JSON. */
export function formatOfPath(path: string): 'json' | 'ndjson' {
  const extension = extname(path).toLowerCase();
  return extension === '.ndjson' || extension === '.jsonl' ? 'ndjson' : 'json';
}

/**
 * Whether a value looks like an `eth_getLogs` log rather than a block: an object with `topics`
 * or `data`, and no `events`. The first element of a file (or its first non-blank NDJSON line)
 * decides how the whole file is read.
 */
export function looksLikeLog(value: unknown): boolean {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const fields = value as Record<string, unknown>;
  return (fields['topics'] !== undefined || fields['data'] !== undefined) && fields['events'] === undefined;
}

/**
 * Reads a block file as a stream: memory stays proportional to one block. A native block file
 * (spec §1) gives its blocks; a logs file (`eth_getLogs` output of the SSV network contract) gives
 * the native blocks assembled from its logs by `LogBlockAssembler` (@bqm/ssv-logs): logs grouped
 * by block number, each block's events ordered by (transactionIndex, logIndex). Without a format
 * given, the file's start tells which it is (see `looksLikeLog` and the options' `format`).
 *
 * Every file-level rule is checked as the blocks go by (block fields and order by the domain's
 * `parseBlock` and `BlockSequenceChecker`; the logs by the assembler: sorted by block, one hash
 * per block, each a log); the first problem throws a `BlockFileError` whose message starts with
 * the file's name and names the block (or the log) and the field.
 *
 * Blocks before the problem have already been yielded when it is found: to refuse a bad file
 * before acting on any block, run `checkBlockFile` first.
 */
export class BlockFileReader {
  readonly displayName: string;
  /** The text layout: JSON, or NDJSON (one element per line). */
  private readonly layout: 'json' | 'ndjson';
  private readonly requestedFormat: BlockFileFormat | undefined;
  private readonly addresses: readonly string[] | undefined;
  private readonly chunkSize: number;
  private readonly maxBlockChars: number;
  private detectedFormat: BlockFileFormat | undefined;
  private lastSummary: BlockFileSummary | undefined;

  constructor(
    readonly path: string,
    options: BlockFileReaderOptions = {},
  ) {
    this.requestedFormat = options.format;
    this.layout = options.format === 'json' || options.format === 'ndjson' ? options.format : formatOfPath(path);
    this.displayName = options.displayName ?? basename(path);
    this.chunkSize = options.chunkSize ?? DEFAULT_CHUNK_SIZE;
    this.maxBlockChars = options.maxBlockChars ?? DEFAULT_MAX_BLOCK_CHARS;
    if (!Number.isSafeInteger(this.chunkSize) || this.chunkSize < 1) {
      throw new RangeError(`chunkSize must be a positive integer, got ${options.chunkSize}`);
    }
    for (const address of options.addresses ?? []) {
      if (typeof address !== 'string' || !ADDRESS.test(address)) {
        throw new RangeError(`addresses: ${describeValue(address)} is not a contract address (0x followed by 40 hex digits)`);
      }
    }
    this.addresses = options.addresses && options.addresses.length > 0 ? [...options.addresses] : undefined;
  }

  /**
   * The format: the one given, else the one the last read detected (known from the file's first
   * element on), else the extension's guess (`ndjson` or `json`).
   */
  get format(): BlockFileFormat {
    return this.requestedFormat ?? this.detectedFormat ?? this.layout;
  }

  /** Streams the blocks, checking every file-level rule as it goes; throws BlockFileError on the first problem. */
  blocks(): AsyncIterable<ReadBlock> {
    return this.read(true) as AsyncIterable<ReadBlock>;
  }

  /** Available once blocks() has been fully iterated (or checkBlockFile has run). */
  summary(): BlockFileSummary {
    if (this.lastSummary === undefined) {
      throw new Error(`${this.displayName}: the summary is available once blocks() has been fully iterated`);
    }
    return { ...this.lastSummary };
  }

  /** Reads the whole file once, checking it, keeping no block. */
  async check(): Promise<BlockFileSummary> {
    for await (const _ of this.read(false)) {
      // Nothing kept: the checks run as the file is read.
    }
    return this.summary();
  }

  /** One pass over the file. With `withPayload` false, blocks are checked but not serialised. */
  private async *read(withPayload: boolean): AsyncGenerator<ReadBlock | null> {
    this.lastSummary = undefined;
    this.detectedFormat = undefined;
    const shapes: JsonShapes =
      this.requestedFormat === undefined ? 'any' : this.requestedFormat === 'logs' ? 'logs' : 'blocks';
    const json = this.layout === 'json' ? new JsonBlockScanner(this.maxBlockChars, shapes) : undefined;
    const scanner: BlockScanner = json ?? new NdjsonScanner(this.maxBlockChars);
    const checker = new BlockSequenceChecker();
    const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
    const state: PassState = {
      checker,
      firstBlock: undefined,
      toBlock: undefined,
      lastIndex: -1,
      lastNumber: -1,
      format: undefined,
      isRpc: () => json?.shape === 'rpc',
      assembler: undefined,
      blockStart: undefined,
    };
    if (this.requestedFormat !== undefined) this.decide(state, this.requestedFormat);
    const items: ScanItem[] = [];
    const out: (ReadBlock | null)[] = [];
    let bytesRead = 0;
    let tail: Uint8Array = new Uint8Array(0); // the last bytes read, to locate a UTF-8 error
    let first = true;

    const stream = createReadStream(this.path, { highWaterMark: this.chunkSize });
    const chunks = stream[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
    try {
      for (;;) {
        let next: IteratorResult<Buffer>;
        try {
          next = await chunks.next();
        } catch (error) {
          throw this.ioError(error);
        }
        let text = '';
        let problem: unknown;
        let notUtf8: ((where: { line: number; blockIndex?: number }) => ScanError) | undefined;
        if (next.done) {
          try {
            text = decoder.decode();
          } catch {
            const start = bytesRead - incompleteTail(tail).length;
            notUtf8 = (where) =>
              utf8Error(where, `the file ends inside a multi-byte character starting at byte offset ${start}`);
          }
        } else {
          const bytes = next.value;
          try {
            text = decoder.decode(bytes, { stream: true });
          } catch {
            // Decode what comes before the bad bytes, so that the blocks before them come first.
            const carry = incompleteTail(tail);
            const joined = Buffer.concat([carry, bytes]);
            const bad = firstInvalidUtf8(joined);
            const cut = bad < 0 ? 0 : bad;
            text = new TextDecoder('utf-8', { ignoreBOM: true }).decode(joined.subarray(0, cut));
            const offset = bytesRead - carry.length + cut;
            const lead = `0x${(joined[cut] ?? 0).toString(16).padStart(2, '0')}`;
            notUtf8 = (where) =>
              utf8Error(
                where,
                bad < 0
                  ? `an invalid byte sequence between bytes ${bytesRead} and ${bytesRead + bytes.length}`
                  : `an invalid byte sequence starting with byte ${lead} at byte offset ${offset}`,
              );
          }
          bytesRead += bytes.length;
          tail = rollTail(tail, bytes);
        }
        if (first && text.length > 0) {
          first = false;
          if (text.charCodeAt(0) === 0xfeff) text = text.slice(1); // a UTF-8 byte order mark
        }
        try {
          if (text.length > 0) scanner.push(text, items);
          if (notUtf8 !== undefined) problem = notUtf8(scanner.where());
          else if (next.done) scanner.end(items);
        } catch (error) {
          problem = error;
        }
        // Blocks found before a problem come first: the first problem of the file is reported.
        for (let k = 0; k < items.length; k++) {
          this.handle(items[k], state, withPayload, out);
          items[k] = undefined as unknown as ScanItem; // let the text go
          for (const read of out) yield read;
          out.length = 0;
        }
        items.length = 0;
        if (problem !== undefined) throw this.wrapScanError(problem, state);
        if (next.done) break;
      }
    } finally {
      stream.destroy();
    }

    // A file without elements: a JSON-RPC response is logs, anything else as its layout tells.
    const format = state.format ?? this.decide(state, state.isRpc() ? 'logs' : this.layout);
    const assembler = state.assembler;
    if (assembler !== undefined) {
      for (const done of this.guard(() => assembler.finish())) yield this.logBlock(done, state.blockStart, state, withPayload);
    }
    if (format === 'ndjson' && checker.blockCount === 0) {
      throw this.error('the file is empty: it holds no block (one JSON block object per line)', {});
    }
    if (state.toBlock !== undefined) this.guard(() => checker.checkToBlock(state.toBlock));
    const summary: BlockFileSummary = { format, blockCount: checker.blockCount };
    if (state.firstBlock !== undefined) summary.firstBlock = state.firstBlock;
    if (checker.lastBlock !== undefined) summary.lastBlock = checker.lastBlock;
    if (state.toBlock !== undefined) summary.toBlock = state.toBlock;
    if (assembler !== undefined) {
      summary.logs = {
        total: assembler.logCount,
        ignored: assembler.ignoredCount,
        invalid: assembler.invalidCount,
        removed: assembler.removedLogCount,
        duplicates: assembler.duplicateCount,
      };
    }
    this.lastSummary = summary;
  }

  /** Settles how this pass reads the file's elements: as native blocks, or as logs. */
  private decide(state: PassState, format: BlockFileFormat): BlockFileFormat {
    state.format = format;
    this.detectedFormat = format;
    if (format === 'logs') {
      state.assembler = new LogBlockAssembler(this.addresses ? { addresses: this.addresses } : {});
    }
    return format;
  }

  /** Parses and checks one item; adds the blocks it completes to `out` (null when not serialising). */
  private handle(item: ScanItem, state: PassState, withPayload: boolean, out: (ReadBlock | null)[]): void {
    if (item.kind === 'rpcError') throw this.rpcError(item.text);
    if (item.kind === 'toBlock') {
      let value: unknown;
      try {
        value = JSON.parse(item.text);
      } catch (error) {
        const line = item.line > 1 ? ` (line ${item.line})` : '';
        throw this.error(`field "toBlock"${line} is not JSON: ${syntaxMessage(error)}`, {
          field: 'toBlock',
          line: item.line,
        });
      }
      // (a number JSON.parse rounded is shown as written)
      const problem = integerProblem('toBlock', value, () => item.text.trim());
      if (problem !== undefined) throw this.error(problem, { field: 'toBlock' });
      const toBlock = this.guard(() => state.checker.checkToBlock(value));
      state.toBlock = toBlock;
      return;
    }

    // NDJSON elements always carry their line; JSON ones when it tells more than "line 1".
    const position: BlockPosition =
      this.layout === 'ndjson' || item.line > 1 ? { index: item.index, line: item.line } : { index: item.index };
    let raw: unknown;
    let syntaxError: unknown;
    try {
      raw = JSON.parse(item.text);
    } catch (error) {
      syntaxError = error ?? new Error('not JSON');
    }
    // The first element tells what the file holds, unless the format is known already.
    const format =
      state.format ??
      this.decide(state, state.isRpc() || (syntaxError === undefined && looksLikeLog(raw)) ? 'logs' : this.layout);
    if (syntaxError !== undefined) {
      // (a log is named as the assembler names it: "log #3 at line 4")
      const at =
        position.line === undefined
          ? `${format === 'logs' ? 'log' : 'block'} #${item.index + 1}`
          : format === 'logs'
            ? `log #${item.index + 1} at line ${item.line}`
            : `block #${item.index + 1} (line ${item.line})`;
      const hint = item.unterminated ? ' (the last line has no newline: is the file truncated?)' : '';
      const location = format === 'logs' ? { line: position.line } : { blockIndex: item.index, line: position.line };
      throw this.error(`${at}: not JSON: ${syntaxMessage(syntaxError)}${hint}`, location);
    }
    if (format === 'logs') {
      this.handleLog(raw, position, item.text, state, withPayload, out);
      return;
    }
    const block = this.guard(() => parseNativeBlock(raw, position, item.text));
    this.guard(() => state.checker.accept(block, position));
    if (state.firstBlock === undefined) state.firstBlock = block.number;
    state.lastIndex = item.index;
    state.lastNumber = block.number;
    // A toBlock read before the blocks: refuse as soon as a block goes past it.
    if (state.toBlock !== undefined && block.number > state.toBlock) this.guard(() => state.checker.checkToBlock(state.toBlock));
    if (!withPayload) {
      out.push(null);
      return;
    }
    const payload = canonicalBlockJson(block);
    out.push({ block, position, payload, digest: digestOf(payload) });
  }

  /** Feeds one log to the assembler; adds the block it completes (the previous one), if any. */
  private handleLog(
    raw: unknown,
    at: LogPosition,
    text: string,
    state: PassState,
    withPayload: boolean,
    out: (ReadBlock | null)[],
  ): void {
    const assembler = state.assembler!;
    const completed = this.guard(() => assembler.push(raw, at, (field) => memberText(text, field)));
    for (const done of completed) out.push(this.logBlock(done, state.blockStart, state, withPayload));
    // Sorted input: a log that completes a block is the first of the next one.
    if (completed.length > 0 || state.blockStart === undefined) state.blockStart = at;
  }

  /** Checks a block assembled from logs, positioned at its first log (its ordinal among the blocks, and that log's line). */
  private logBlock(done: LogBlock, start: LogPosition | undefined, state: PassState, withPayload: boolean): ReadBlock | null {
    const { block } = done;
    const index = state.checker.blockCount;
    const position: BlockPosition = start?.line === undefined ? { index } : { index, line: start.line };
    this.guard(() => state.checker.accept(block, position));
    if (state.firstBlock === undefined) state.firstBlock = block.number;
    if (!withPayload) return null;
    const payload = canonicalBlockJson(block);
    return { block, position, payload, digest: digestOf(payload) };
  }

  /** A JSON-RPC response that is an error: the file is refused whole, with the error's message. */
  private rpcError(text: string): BlockFileError {
    let error: unknown;
    try {
      error = JSON.parse(text);
    } catch (caught) {
      return this.error(`field "error" is not JSON: ${syntaxMessage(caught)}`, { field: 'error' });
    }
    const fields = typeof error === 'object' && error !== null && !Array.isArray(error) ? (error as Record<string, unknown>) : {};
    const message = fields['message'];
    const code = fields['code'];
    const what =
      typeof message === 'string'
        ? `${JSON.stringify(message)}${code === undefined ? '' : ` (code ${describeValue(code)})`}`
        : describeValue(error);
    return this.error(`the file is a JSON-RPC error response, not logs: ${what}`, { field: 'error' });
  }

  /** Runs a domain check, putting the file's name in front of its message. */
  private guard<T>(check: () => T): T {
    try {
      return check();
    } catch (error) {
      if (error instanceof BlockFileError) throw this.error(error.reason, error.location);
      throw error;
    }
  }

  private wrapScanError(error: unknown, state: PassState): unknown {
    if (!(error instanceof ScanError)) return error;
    const location: BlockFileError['location'] = { ...error.location };
    if (state.format === 'logs' || (state.format === undefined && state.isRpc())) {
      // The scanner's elements are logs (a JSON-RPC response holds logs, even before its first
      // one is read): named by position (and not located as blocks).
      const noun: ElementNoun = 'log';
      delete location.blockIndex;
      return this.error(error.describe((index) => `log #${index + 1}`, noun), location);
    }
    const describe = (index: number) =>
      index === state.lastIndex ? `block ${state.lastNumber}` : `block #${index + 1}`;
    if (location.blockIndex !== undefined && location.blockIndex === state.lastIndex) location.blockNumber = state.lastNumber;
    // (before the first element is read, the reader does not know what the elements are)
    return this.error(error.describe(describe, state.format === undefined ? undefined : 'block'), location);
  }

  private ioError(error: unknown): BlockFileError {
    // (not `instanceof Error`: errors from node's internals may come from another realm, as under Jest)
    const message = (error as { message?: unknown } | null)?.message;
    const reason = typeof message === 'string' ? message : String(error);
    const wrapped = this.error(`cannot read the file: ${reason}`, {});
    (wrapped as { cause?: unknown }).cause = error;
    return wrapped;
  }

  /**
   * A BlockFileError whose `reason` is the problem alone and whose message names the file first:
   * `<file>: <reason>`.
   */
  private error(reason: string, location: BlockFileError['location']): BlockFileError {
    const error = new BlockFileError(reason, location);
    error.message = `${this.displayName}: ${reason}`;
    if (Error.captureStackTrace) Error.captureStackTrace(error, this.error);
    return error;
  }
}

interface PassState {
  checker: BlockSequenceChecker;
  firstBlock: number | undefined;
  toBlock: number | undefined;
  /** The last block accepted, to name it by number in messages about what follows it. */
  lastIndex: number;
  lastNumber: number;
  /** How the elements are read, once known (given, or told by the first element). */
  format: BlockFileFormat | undefined;
  /** Whether the scanner found a JSON-RPC response (whose elements are logs). */
  isRpc: () => boolean;
  /** Logs files: the assembler, and where the block it is assembling started. */
  assembler: LogBlockAssembler | undefined;
  blockStart: LogPosition | undefined;
}

/** The integer fields of a block that JSON may write beyond what a JSON number holds exactly. */
const INTEGER_FIELDS = new Map<string, { what: string; parse: (value: unknown) => unknown }>([
  ['number', { what: 'block number', parse: parseBlockNumber }],
  ['blockNumber', { what: 'block number', parse: parseBlockNumber }],
  ['toBlock', { what: 'block number', parse: parseBlockNumber }],
  ['timestamp', { what: 'timestamp', parse: parseTimestamp }],
]);

/**
 * What is wrong with an integer field whose value is a JSON number that is not a safe integer,
 * told without the rounded value JSON.parse made of it: beyond 2^53−1, that it is, with the
 * number as written (`written`, when the text is known); else the usual message, with the
 * number as written. Undefined for any other value (the domain's message says it).
 */
function integerProblem(field: string, value: unknown, written: () => string | undefined): string | undefined {
  if (typeof value !== 'number' || Number.isSafeInteger(value)) return undefined;
  const { what, parse } = INTEGER_FIELDS.get(field)!;
  const text = written();
  if (value > LARGEST_INTEGER) return `field "${field}" ${beyondLargest(text, what)}`;
  const parsed = parse(value);
  if (text === undefined || !isValueError(parsed)) return undefined;
  return `field "${field}" must be ${parsed.expected}, got ${describeWritten(text)}`;
}

/** The domain's parseBlock, with a number JSON.parse rounded told as written (see integerProblem). */
function parseNativeBlock(raw: unknown, position: BlockPosition, text: string): Block {
  try {
    return parseBlock(raw, position);
  } catch (error) {
    const field = error instanceof BlockFileError ? error.location.field : undefined;
    if (field === undefined || !INTEGER_FIELDS.has(field)) throw error;
    const value = (raw as Record<string, unknown>)[field];
    const problem = integerProblem(field, value, () => memberText(text, field));
    if (problem === undefined) throw error;
    const { blockNumber } = (error as BlockFileError).location;
    const at = blockNumber === undefined ? `block #${position.index + 1}` : `block ${blockNumber}`;
    const name = position.line === undefined ? at : `${at} (line ${position.line})`;
    throw new BlockFileError(`${name}: ${problem}`, (error as BlockFileError).location);
  }
}

function utf8Error(where: { line: number; blockIndex?: number }, problem: string): ScanError {
  const { line, blockIndex } = where;
  return new ScanError(
    (describe) => `${blockIndex === undefined ? '' : `${describe(blockIndex)}: `}not UTF-8: ${problem} (line ${line})`,
    { blockIndex, line },
  );
}

function syntaxMessage(error: unknown): string {
  const message = (error as { message?: unknown } | null)?.message;
  return typeof message === 'string' ? message : String(error);
}

/** Reads the whole file once just to check it (no blocks kept): for `ingest` to refuse a bad file before anything is queued. */
export function checkBlockFile(path: string, options?: BlockFileReaderOptions): Promise<BlockFileSummary> {
  return new BlockFileReader(path, options).check();
}
