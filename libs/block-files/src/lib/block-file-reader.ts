import { createReadStream } from 'node:fs';
import { basename, extname } from 'node:path';
import { Block, BlockFileError, BlockPosition, BlockSequenceChecker, parseBlock } from '@bqm/domain';
import { canonicalBlockJson, digestOf } from './canonical';
import { JsonBlockScanner } from './json-scanner';
import { NdjsonScanner } from './ndjson-scanner';
import { BlockScanner, DEFAULT_MAX_BLOCK_CHARS, ScanError, ScanItem } from './scan';
import { firstInvalidUtf8, incompleteTail, rollTail } from './utf8';

export type BlockFileFormat = 'json' | 'ndjson';

export interface BlockFileReaderOptions {
  /** Overrides the format told by the extension (`.ndjson` / `.jsonl` → NDJSON, else JSON). */
  format?: BlockFileFormat;
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
  format: BlockFileFormat;
  blockCount: number;
  firstBlock?: number;
  lastBlock?: number;
  /** The `toBlock` the file declares (object shape), if any. */
  toBlock?: number;
}

const DEFAULT_CHUNK_SIZE = 256 * 1024;

export function formatOfPath(path: string): BlockFileFormat {
  const extension = extname(path).toLowerCase();
  return extension === '.ndjson' || extension === '.jsonl' ? 'ndjson' : 'json';
}

/**
 * Reads a native block file (spec §1) as a stream: memory stays proportional to one block.
 * Every file-level rule is checked as the blocks go by (block fields and order by the domain's
 * `parseBlock` and `BlockSequenceChecker`); the first problem throws a `BlockFileError` whose
 * message starts with the file's name and names the block and the field.
 *
 * Blocks before the problem have already been yielded when it is found: to refuse a bad file
 * before acting on any block, run `checkBlockFile` first.
 */
export class BlockFileReader {
  readonly format: BlockFileFormat;
  readonly displayName: string;
  private readonly chunkSize: number;
  private readonly maxBlockChars: number;
  private lastSummary: BlockFileSummary | undefined;

  constructor(
    readonly path: string,
    options: BlockFileReaderOptions = {},
  ) {
    this.format = options.format ?? formatOfPath(path);
    this.displayName = options.displayName ?? basename(path);
    this.chunkSize = options.chunkSize ?? DEFAULT_CHUNK_SIZE;
    this.maxBlockChars = options.maxBlockChars ?? DEFAULT_MAX_BLOCK_CHARS;
    if (!Number.isSafeInteger(this.chunkSize) || this.chunkSize < 1) {
      throw new RangeError(`chunkSize must be a positive integer, got ${options.chunkSize}`);
    }
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
    const scanner: BlockScanner =
      this.format === 'ndjson' ? new NdjsonScanner(this.maxBlockChars) : new JsonBlockScanner(this.maxBlockChars);
    const checker = new BlockSequenceChecker();
    const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
    const state: PassState = { checker, firstBlock: undefined, toBlock: undefined, lastIndex: -1, lastNumber: -1 };
    const items: ScanItem[] = [];
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
          const read = this.handle(items[k], state, withPayload);
          items[k] = undefined as unknown as ScanItem; // let the text go
          if (read !== undefined) yield read;
        }
        items.length = 0;
        if (problem !== undefined) throw this.wrapScanError(problem, state);
        if (next.done) break;
      }
    } finally {
      stream.destroy();
    }

    if (this.format === 'ndjson' && checker.blockCount === 0) {
      throw this.error('the file is empty: it holds no block (one JSON block object per line)', {});
    }
    if (state.toBlock !== undefined) this.guard(() => checker.checkToBlock(state.toBlock));
    const summary: BlockFileSummary = { format: this.format, blockCount: checker.blockCount };
    if (state.firstBlock !== undefined) summary.firstBlock = state.firstBlock;
    if (checker.lastBlock !== undefined) summary.lastBlock = checker.lastBlock;
    if (state.toBlock !== undefined) summary.toBlock = state.toBlock;
    this.lastSummary = summary;
  }

  /** Parses and checks one item; returns the block to yield (null when not serialising). */
  private handle(item: ScanItem, state: PassState, withPayload: boolean): ReadBlock | null | undefined {
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
      const toBlock = this.guard(() => state.checker.checkToBlock(value));
      state.toBlock = toBlock;
      return undefined;
    }

    // NDJSON blocks always carry their line; JSON ones when it tells more than "line 1".
    const position: BlockPosition =
      this.format === 'ndjson' || item.line > 1 ? { index: item.index, line: item.line } : { index: item.index };
    let raw: unknown;
    try {
      raw = JSON.parse(item.text);
    } catch (error) {
      const at = position.line === undefined ? `block #${item.index + 1}` : `block #${item.index + 1} (line ${item.line})`;
      const hint = item.unterminated ? ' (the last line has no newline: is the file truncated?)' : '';
      throw this.error(`${at}: not JSON: ${syntaxMessage(error)}${hint}`, { blockIndex: item.index, line: position.line });
    }
    const block = this.guard(() => parseBlock(raw, position));
    this.guard(() => state.checker.accept(block, position));
    if (state.firstBlock === undefined) state.firstBlock = block.number;
    state.lastIndex = item.index;
    state.lastNumber = block.number;
    // A toBlock read before the blocks: refuse as soon as a block goes past it.
    if (state.toBlock !== undefined && block.number > state.toBlock) this.guard(() => state.checker.checkToBlock(state.toBlock));
    if (!withPayload) return null;
    const payload = canonicalBlockJson(block);
    return { block, position, payload, digest: digestOf(payload) };
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
    const describe = (index: number) =>
      index === state.lastIndex ? `block ${state.lastNumber}` : `block #${index + 1}`;
    const location: BlockFileError['location'] = { ...error.location };
    if (location.blockIndex !== undefined && location.blockIndex === state.lastIndex) location.blockNumber = state.lastNumber;
    return this.error(error.describe(describe), location);
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
