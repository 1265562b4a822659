import { Block, BlockFileError, describeValue } from '@bqm/domain';
import { decodeSsvLog, DecodeOptions, toNativeEvent } from './decode';
import { describeLog, isRawLogError, parseRawLog, RawLog } from './raw-log';

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
}

function where(position: LogPosition): string {
  const at = `log #${position.index + 1}`;
  return position.line === undefined ? at : `${at} at line ${position.line}`;
}

/** Names a log that did not parse, with what can be read of its transaction hash and log index. */
function describeRaw(value: unknown): string {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return '';
  const fields = value as Record<string, unknown>;
  const parts: string[] = [];
  if (fields['transactionHash'] !== undefined) parts.push(`tx ${describeValue(fields['transactionHash'])}`);
  if (fields['logIndex'] !== undefined) parts.push(`logIndex ${describeValue(fields['logIndex'])}`);
  return parts.length === 0 ? '' : ` (${parts.join(', ')})`;
}

/**
 * Turns the logs of a file, fed one by one in file order, into native blocks: logs grouped by
 * block number, each block's events ordered by (transactionIndex, logIndex), blocks in
 * ascending number. Every block that has logs yields a block, even when none of them is an
 * event, so that processing advances. File-level problems throw `BlockFileError`.
 */
export class LogBlockAssembler {
  private readonly unsorted: 'refuse' | 'buffer';
  private readonly decodeOptions: DecodeOptions;
  private current: PendingBlock | undefined;
  private readonly buffered = new Map<number, PendingBlock>();
  private finished = false;
  private nextIndex = 0;
  private sequence = 0;
  private counts = { logCount: 0, eventCount: 0, invalidCount: 0, ignoredCount: 0, removedLogCount: 0, blockCount: 0 };

  constructor(options: LogBlockAssemblerOptions = {}) {
    this.unsorted = options.unsorted ?? 'refuse';
    this.decodeOptions = options.addresses ? { addresses: options.addresses.map((a) => a.toLowerCase()) } : {};
  }

  /** Checks one raw value of the file (see `parseRawLog`) and adds it; returns the blocks it completed. */
  push(value: unknown, position?: LogPosition): LogBlock[] {
    const at = position ?? { index: this.nextIndex };
    const log = parseRawLog(value);
    if (isRawLogError(log)) {
      throw new BlockFileError(`${where(at)}${describeRaw(value)}: ${log.message}`, {
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
  /** Blocks returned so far. */
  get blockCount(): number {
    return this.counts.blockCount;
  }

  private newBlock(number: number): PendingBlock {
    return { number, entries: [], logCount: 0, invalidCount: 0, ignoredCount: 0, removedLogCount: 0 };
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
    };
  }
}
