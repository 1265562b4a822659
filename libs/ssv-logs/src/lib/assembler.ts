import { Block, BlockFileError, describeValue } from '@bqm/domain';
import { decodeSsvLog, DecodeOptions, toNativeEvent } from './decode';
import { describeLog, describeWritten, isRawLogError, parseRawLog, RawLog, WrittenField } from './raw-log';

/** Where a log sits in its file: its position (0-based), and its line for NDJSON. */
export interface LogPosition {
  index: number;
  line?: number;
}

/** A native block assembled from logs, with what became of its logs. */
export interface LogBlock {
  block: Block;
  /** Every log of this block in the file (removed and ignored ones too). */
  logCount: number;
  /** Entries of `block.events`: decoded events and undecodable ones. */
  eventCount: number;
  /** Logs of the 14 events that could not be decoded (in `events`, rejected by the domain). */
  invalidCount: number;
  /** Logs that are not registry events (other events, other contracts). */
  ignoredCount: number;
  /** Logs marked `removed: true` (chain reorganisation): kept out of `events`. */
  removedLogCount: number;
  /** Identical copies of a log already read (same block, logIndex and content): dropped. */
  duplicateCount: number;
}

export interface LogBlockAssemblerOptions extends DecodeOptions {
  /**
   * What to do with logs that are not sorted by block number (a block that comes back after a
   * later one). `refuse` (default): throw a BlockFileError; blocks stream out as soon as the next
   * block starts, holding one block in memory. `buffer`: accept any order, holding every block
   * of the file until `finish()`.
   */
  unsorted?: 'refuse' | 'buffer';
}

interface Entry {
  transactionIndex: number;
  logIndex: number;
  sequence: number;
  event: unknown;
}

interface PendingBlock {
  number: number;
  hash?: string;
  /** Which log gave the hash, for messages. */
  hashFrom?: string;
  entries: Entry[];
  logCount: number;
  invalidCount: number;
  ignoredCount: number;
  removedLogCount: number;
  duplicateCount: number;
  /** The logs read so far (not removed ones) by logIndex: a log comes once per block. */
  byLogIndex: Map<number, { log: RawLog; at: string }>;
}

function where(position: LogPosition): string {
  const at = `log #${position.index + 1}`;
  return position.line === undefined ? at : `${at} at line ${position.line}`;
}

/** Names a log that did not parse, with what can be read of its transaction hash and log index. */
function describeRaw(value: unknown, written: WrittenField | undefined): string {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return '';
  const fields = value as Record<string, unknown>;
  const parts: string[] = [];
  if (fields['transactionHash'] !== undefined) parts.push(`tx ${describeValue(fields['transactionHash'])}`);
  const logIndex = fields['logIndex'];
  if (logIndex !== undefined) {
    // (a number as written: JSON.parse may have rounded it)
    const text = typeof logIndex === 'number' ? written?.('logIndex') : undefined;
    parts.push(`logIndex ${text === undefined ? describeValue(logIndex) : describeWritten(text)}`);
  }
  return parts.length === 0 ? '' : ` (${parts.join(', ')})`;
}

/** The first field in which two logs of the same block and logIndex differ, if any. */
function differingField(a: RawLog, b: RawLog): string | undefined {
  if (a.address !== b.address) return 'address';
  if (a.topics.length !== b.topics.length || a.topics.some((topic, i) => topic !== b.topics[i])) return 'topics';
  if (a.data !== b.data) return 'data';
  if (a.blockHash !== b.blockHash) return 'blockHash';
  if (a.transactionHash !== b.transactionHash) return 'transactionHash';
  if (a.transactionIndex !== b.transactionIndex) return 'transactionIndex';
  return undefined;
}

/**
 * Turns the logs of a file, fed one by one in file order, into native blocks: logs grouped by
 * block number, each block's events ordered by (transactionIndex, logIndex), blocks in
 * ascending number. Every block that has logs yields a block, even when none of them is an
 * event, so that processing advances. File-level problems throw `BlockFileError`.
 *
 * A log is identified by its block and logIndex (unique within a block on chain): an identical
 * copy of a log already read (overlapping eth_getLogs pages put end to end) is dropped and counted
 * (`duplicateCount`); a different log at the same block and logIndex refuses the file. Logs
 * marked `removed: true` are left out of this, as of everything else; so are logs without a
 * logIndex, which cannot be told apart.
 */
export class LogBlockAssembler {
  private readonly unsorted: 'refuse' | 'buffer';
  private readonly decodeOptions: DecodeOptions;
  private current: PendingBlock | undefined;
  private readonly buffered = new Map<number, PendingBlock>();
  private finished = false;
  private nextIndex = 0;
  private sequence = 0;
  private counts = {
    logCount: 0,
    eventCount: 0,
    invalidCount: 0,
    ignoredCount: 0,
    removedLogCount: 0,
    duplicateCount: 0,
    blockCount: 0,
  };

  constructor(options: LogBlockAssemblerOptions = {}) {
    this.unsorted = options.unsorted ?? 'refuse';
    this.decodeOptions = options.addresses ? { addresses: options.addresses.map((a) => a.toLowerCase()) } : {};
  }

  /**
   * Checks one raw value of the file (see `parseRawLog`) and adds it; returns the blocks it
   * completed. `written` gives its fields as written in the file, for messages, when known.
   */
  push(value: unknown, position?: LogPosition, written?: WrittenField): LogBlock[] {
    const at = position ?? { index: this.nextIndex };
    const log = parseRawLog(value, written);
    if (isRawLogError(log)) {
      throw new BlockFileError(`${where(at)}${describeRaw(value, written)}: ${log.message}`, {
        field: log.field ?? undefined,
        line: at.line,
      });
    }
    return this.pushLog(log, at);
  }

  /** Adds a log already checked by `parseRawLog`; returns the blocks it completed. */
  pushLog(log: RawLog, position?: LogPosition): LogBlock[] {
    if (this.finished) throw new Error('LogBlockAssembler: push after finish()');
    const at = position ?? { index: this.nextIndex };
    this.nextIndex = at.index + 1;
    const completed: LogBlock[] = [];

    let block: PendingBlock;
    if (this.unsorted === 'buffer') {
      block = this.buffered.get(log.blockNumber) ?? this.newBlock(log.blockNumber);
      this.buffered.set(log.blockNumber, block);
    } else if (this.current === undefined || log.blockNumber > this.current.number) {
      if (this.current) completed.push(this.emit(this.current));
      block = this.current = this.newBlock(log.blockNumber);
    } else if (log.blockNumber < this.current.number) {
      throw new BlockFileError(
        `${where(at)} (${describeLog(log)}): field "blockNumber": ` +
          `block ${log.blockNumber} comes after block ${this.current.number}; ` +
          'the logs of a file must be sorted by block number (ascending), each block in one run',
        { blockNumber: log.blockNumber, field: 'blockNumber', line: at.line },
      );
    } else {
      block = this.current;
    }

    this.add(block, log, at);
    return completed;
  }

  /** Ends the file: returns the blocks still held, in ascending number. */
  finish(): LogBlock[] {
    if (this.finished) return [];
    this.finished = true;
    if (this.unsorted === 'buffer') {
      const blocks = [...this.buffered.values()].sort((a, b) => a.number - b.number);
      this.buffered.clear();
      return blocks.map((block) => this.emit(block));
    }
    const last = this.current;
    this.current = undefined;
    return last ? [this.emit(last)] : [];
  }

  /** Logs read so far. */
  get logCount(): number {
    return this.counts.logCount;
  }
  /** Events in the blocks returned so far (decoded and undecodable). */
  get eventCount(): number {
    return this.counts.eventCount;
  }
  /** Logs of the 14 events that could not be decoded so far. */
  get invalidCount(): number {
    return this.counts.invalidCount;
  }
  /** Logs ignored so far in this file (not registry events, or not a followed address). */
  get ignoredCount(): number {
    return this.counts.ignoredCount;
  }
  /** Logs marked `removed: true` so far. */
  get removedLogCount(): number {
    return this.counts.removedLogCount;
  }
  /** Identical copies of logs dropped so far. */
  get duplicateCount(): number {
    return this.counts.duplicateCount;
  }
  /** Blocks returned so far. */
  get blockCount(): number {
    return this.counts.blockCount;
  }

  private newBlock(number: number): PendingBlock {
    return {
      number,
      entries: [],
      logCount: 0,
      invalidCount: 0,
      ignoredCount: 0,
      removedLogCount: 0,
      duplicateCount: 0,
      byLogIndex: new Map(),
    };
  }

  private add(block: PendingBlock, log: RawLog, at: LogPosition): void {
    block.logCount += 1;
    this.counts.logCount += 1;
    if (log.removed) {
      // A removed log belongs to a block that left the chain: its hash is not this block's.
      block.removedLogCount += 1;
      this.counts.removedLogCount += 1;
      return;
    }
    if (log.blockHash !== undefined) {
      if (block.hash === undefined) {
        block.hash = log.blockHash;
        block.hashFrom = where(at);
      } else if (block.hash !== log.blockHash) {
        throw new BlockFileError(
          `${where(at)} (${describeLog(log)}): field "blockHash" is ${log.blockHash}, ` +
            `but ${block.hashFrom} of the same block has ${block.hash}`,
          { blockNumber: log.blockNumber, field: 'blockHash', line: at.line },
        );
      }
    }
    if (log.logIndex !== undefined) {
      const earlier = block.byLogIndex.get(log.logIndex);
      if (earlier !== undefined) {
        const field = differingField(earlier.log, log);
        if (field === undefined) {
          block.duplicateCount += 1;
          this.counts.duplicateCount += 1;
          return;
        }
        throw new BlockFileError(
          `${where(at)} (${describeLog(log)}): ${earlier.at} is another log at block ${log.blockNumber}, logIndex ${log.logIndex}, ` +
            `with a different "${field}"; a logIndex is unique within a block (identical copies of a log are taken once)`,
          { blockNumber: log.blockNumber, field: 'logIndex', line: at.line },
        );
      }
      block.byLogIndex.set(log.logIndex, { log, at: where(at) });
    }
    const decoded = decodeSsvLog(log, this.decodeOptions);
    const event = toNativeEvent(decoded);
    if (event === null) {
      block.ignoredCount += 1;
      this.counts.ignoredCount += 1;
      return;
    }
    if (decoded.kind === 'invalid') {
      block.invalidCount += 1;
      this.counts.invalidCount += 1;
    }
    block.entries.push({
      transactionIndex: log.transactionIndex ?? 0,
      logIndex: log.logIndex ?? 0,
      sequence: this.sequence++,
      event,
    });
  }

  private emit(pending: PendingBlock): LogBlock {
    const entries = pending.entries.sort(
      (a, b) => a.transactionIndex - b.transactionIndex || a.logIndex - b.logIndex || a.sequence - b.sequence,
    );
    const block: Block = { number: pending.number, events: entries.map((entry) => entry.event) };
    if (pending.hash !== undefined) block.hash = pending.hash;
    this.counts.eventCount += entries.length;
    this.counts.blockCount += 1;
    return {
      block,
      logCount: pending.logCount,
      eventCount: entries.length,
      invalidCount: pending.invalidCount,
      ignoredCount: pending.ignoredCount,
      removedLogCount: pending.removedLogCount,
      duplicateCount: pending.duplicateCount,
    };
  }
}
