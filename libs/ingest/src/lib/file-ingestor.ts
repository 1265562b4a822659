import { BlockFileFormat, BlockFileReader, BlockFileSummary, canonicalBlockJson, digestOf, LogCounts, ReadBlock } from '@bqm/block-files';
import { Block, BlockFileError } from '@bqm/domain';
import {
  ApplyBlockJob,
  BlockQueue,
  coverageEnd,
  DEFAULT_REORG_WINDOW,
  FileCatalog,
  fileNameProblem,
  FileMeta,
  StoreKeys,
} from '@bqm/store';
import type { Redis } from 'ioredis';
import { basename } from 'node:path';

/** The file cannot be taken as it is; nothing was queued. The CLI exits 2 with the message. */
export class IngestRefusedError extends Error {
  constructor(
    message: string,
    /** The refusal stopped the file (a chain reorganisation deeper than the window). */
    readonly stoppedFile = false,
  ) {
    super(message);
    this.name = 'IngestRefusedError';
  }
}

export interface IngestOptions {
  /** The name the file is known by afterwards (default: its base name). */
  name?: string;
  /** Drop the file's state first, when its already-ingested blocks differ. */
  replace?: boolean;
  format?: BlockFileFormat;
  /** Raw logs: keep only the logs of these contract addresses. */
  addresses?: readonly string[];
  onProgress?: (progress: IngestProgress) => void;
}

export interface IngestProgress {
  fileName: string;
  phase: 'checking' | 'queueing';
  blocksRead: number;
  blocksQueued: number;
}

export interface IngestResult {
  fileName: string;
  /**
   * `new`: first ingest; `appended`: known blocks unchanged, new ones queued; `unchanged`: nothing
   * to do; `reorganised`: blocks from `reorganisedFrom` on replaced (a chain reorganisation);
   * `replaced`: the old state dropped (--replace).
   */
  outcome: 'new' | 'appended' | 'unchanged' | 'reorganised' | 'replaced';
  reorganisedFrom: number | null;
  /** Raw-log files: how many logs were read, and how many were ignored, undecodable or removed. */
  logs: LogCounts | null;
  /** Blocks whose jobs had failed for good and were given another round of attempts. */
  retriedFailedBlocks: number;
  blocksInFile: number;
  blocksQueued: number;
  /** First block queued by this ingest, if any. */
  firstQueuedBlock: number | null;
  meta: FileMeta;
}

/** A file being written block by block. */
export interface BlockStream {
  fileName: string;
  generation: number;
  lastBlock: number | null;
}

/** How the file compares with what was ingested under its name before. */
type Comparison =
  | { kind: 'new' }
  | { kind: 'same-prefix'; matchedBlocks: number }
  /** New content from `fromBlock` on; `chain`: the blocks carry hashes (chain data, not a hand-made file). */
  | { kind: 'reorganised'; fromBlock: number; reason: string; matchedBlocks: number; chain: boolean }
  | { kind: 'refused'; reason: string };

const CHUNK_BLOCKS = 500;

/**
 * Takes a block file into the system: checks it whole (a refused file queues nothing), compares
 * it with what was ingested under the same name, stores the new blocks and enqueues one job per
 * block. Safe to re-run after a crash: stored blocks are recognised and their jobs re-added under
 * the same ids, which the queue deduplicates.
 */
export class FileIngestor {
  private readonly catalog: FileCatalog;

  constructor(
    redis: Redis,
    keys: StoreKeys,
    private readonly queue: BlockQueue,
    /** For new files: how many recent blocks a reorganisation may replace (REORG_WINDOW). */
    private readonly reorgWindow = DEFAULT_REORG_WINDOW,
  ) {
    this.catalog = new FileCatalog(redis, keys);
  }

  async ingest(path: string, options: IngestOptions = {}): Promise<IngestResult> {
    const fileName = options.name ?? basename(path);
    const nameProblem = fileNameProblem(fileName);
    if (nameProblem) {
      throw new IngestRefusedError(
        `cannot use "${fileName}" as the file's name: ${nameProblem}${options.name ? '' : ' (choose one with --name)'}`,
      );
    }
    return this.catalog.withIngestLock(fileName, () => this.ingestLocked(path, fileName, options));
  }

  private async ingestLocked(path: string, fileName: string, options: IngestOptions): Promise<IngestResult> {
    const progress = { fileName, phase: 'checking' as IngestProgress['phase'], blocksRead: 0, blocksQueued: 0 };
    const report = () => options.onProgress?.({ ...progress });
    const previous = await this.catalog.meta(fileName);
    const { summary, comparison } = await this.check(path, fileName, previous, options, () => {
      progress.blocksRead += 1;
      if (progress.blocksRead % 1000 === 0) report();
    });
    report();
    const hint = '(use --replace to drop its state and ingest it anew, or --name to ingest it under another name)';
    const resuming = previous?.status === 'stopped' && comparison.kind === 'same-prefix' && !options.replace;
    if (previous?.status === 'stopped' && !resuming && !options.replace) {
      throw new IngestRefusedError(
        `${fileName} is stopped: ${previous.error ?? 'see /status'}; ingest the content it had to let it go on, or use --replace to start it again`,
      );
    }
    if (comparison.kind === 'refused' && !options.replace) {
      throw new IngestRefusedError(`${fileName}: ${comparison.reason}; the file differs from the one ingested under this name before ${hint}`);
    }
    const replacing = previous !== null && options.replace === true;
    if (replacing) await this.catalog.drop(fileName);
    const meta = await this.catalog.open(fileName, summary.format, 'file', this.reorgWindow);
    if (resuming) await this.catalog.resume(fileName, meta.generation);
    let matched = 0;
    if (!replacing && comparison.kind === 'same-prefix') matched = comparison.matchedBlocks;
    if (!replacing && comparison.kind === 'reorganised') {
      // New content from a block on: within the window it replaces the old, applied or not.
      const refused = await this.catalog.beginReorg(fileName, meta.generation, comparison.fromBlock, comparison.chain);
      if (refused) {
        if (!refused.stopped) await this.catalog.seal(fileName, meta.generation, previous?.toBlock ?? undefined, true);
        throw new IngestRefusedError(`${fileName}: ${comparison.reason}, and ${refused.reason}${refused.stopped ? '' : ` ${hint}`}`, refused.stopped);
      }
      matched = comparison.matchedBlocks;
    }

    progress.phase = 'queueing';
    let firstQueued: number | null = null;
    let chunk: ReadBlock[] = [];
    const flush = async () => {
      if (chunk.length === 0) return;
      await this.storeAndEnqueue(fileName, meta.generation, chunk);
      firstQueued ??= chunk[0].block.number;
      progress.blocksQueued += chunk.length;
      report();
      chunk = [];
    };
    if (summary.blockCount > matched) {
      let index = 0;
      for await (const read of this.reader(path, fileName, options).blocks()) {
        if (index++ < matched) continue;
        chunk.push(read);
        if (chunk.length >= CHUNK_BLOCKS) await flush();
      }
      await flush();
    }
    let retried = 0;
    if (matched > 0) {
      await this.requeueUnapplied(fileName, meta.generation, meta.appliedThrough);
      // Blocks whose jobs failed for good get another round: ingesting again is how to ask for it.
      retried = await this.queue.retryFailed(fileName);
    }
    const sealed = await this.catalog.seal(fileName, meta.generation, summary.toBlock, true, summary.logs?.ignored);
    if (sealed.rewindTo !== null) {
      // Applied blocks were taken back: a consumer must undo them even if no new block follows.
      await this.queue.requestRewind(fileName, meta.generation, sealed.rewindTo, sealed.epoch);
    }
    const outcome: IngestResult['outcome'] = replacing
      ? 'replaced'
      : previous === null
        ? 'new'
        : comparison.kind === 'reorganised'
          ? 'reorganised'
          : progress.blocksQueued > 0 || sealed.toBlock !== previous.toBlock
            ? 'appended'
            : 'unchanged';
    return {
      fileName,
      outcome,
      blocksInFile: summary.blockCount,
      blocksQueued: progress.blocksQueued,
      firstQueuedBlock: firstQueued,
      reorganisedFrom: comparison.kind === 'reorganised' && !replacing ? comparison.fromBlock : null,
      logs: summary.logs ?? null,
      retriedFailedBlocks: retried,
      meta: sealed,
    };
  }

  private reader(path: string, fileName: string, options: IngestOptions): BlockFileReader {
    return new BlockFileReader(path, { format: options.format, addresses: options.addresses, displayName: fileName });
  }

  /**
   * Reads the whole file once: every file-level rule, and a block-by-block comparison with the
   * blocks stored under the same name (a merge of two ordered sequences, so memory stays flat).
   * The first difference is where a reorganisation starts; one that is not about blocks (a
   * smaller declared coverage) is refused.
   */
  private async check(
    path: string,
    fileName: string,
    previous: FileMeta | null,
    options: IngestOptions,
    onBlock: () => void,
  ): Promise<{ summary: BlockFileSummary; comparison: Comparison }> {
    const reader = this.reader(path, fileName, options);
    const stored = previous ? this.catalog.storedDigests(fileName)[Symbol.asyncIterator]() : undefined;
    let next = stored ? await stored.next() : undefined;
    let matchedBlocks = 0;
    let difference: { fromBlock: number; reason: string } | undefined;
    let chain = false;
    const previousEnd = previous ? coverageEnd(previous) : null;
    try {
      for await (const { block, digest } of reader.blocks()) {
        onBlock();
        if (block.hash !== undefined) chain = true;
        if (difference || !previous) continue;
        if (next && !next.done) {
          const known = next.value;
          if (known.number === block.number && known.digest === digest) {
            matchedBlocks += 1;
            next = await stored!.next();
          } else if (known.number === block.number) {
            difference = { fromBlock: block.number, reason: `block ${block.number} differs from the block ${block.number} ingested before` };
          } else if (block.number < known.number) {
            difference = { fromBlock: block.number, reason: `block ${block.number} was not in the file ingested before (its next block there is ${known.number})` };
          } else {
            difference = { fromBlock: known.number, reason: `block ${known.number}, ingested before, is missing from the file` };
          }
        } else if (previousEnd !== null && block.number <= previousEnd) {
          difference = { fromBlock: block.number, reason: `block ${block.number} is new but lies within blocks the earlier ingest covered (up to ${previousEnd})` };
        }
      }
    } catch (error) {
      if (error instanceof BlockFileError) throw new IngestRefusedError(error.message);
      throw error;
    }
    const summary = reader.summary();
    if (!previous) return { summary, comparison: { kind: 'new' } };
    if (!difference && next && !next.done) {
      difference = { fromBlock: next.value.number, reason: `block ${next.value.number}, ingested before, is missing from the file` };
    }
    if (difference) return { summary, comparison: { kind: 'reorganised', ...difference, matchedBlocks, chain } };
    if (previous.toBlock !== null && (summary.toBlock ?? summary.lastBlock ?? -1) < previous.toBlock) {
      const reason = `the file covered blocks up to ${previous.toBlock} before (toBlock), and now ends at ${summary.toBlock ?? summary.lastBlock}`;
      return { summary, comparison: { kind: 'refused', reason } };
    }
    return { summary, comparison: { kind: 'same-prefix', matchedBlocks } };
  }

  /**
   * Opens a file that grows block by block (a simulation): it stays open, and so not complete,
   * until `closeStream`. Appending to a file of this name continues after its last block.
   */
  async openStream(fileName: string): Promise<BlockStream> {
    const nameProblem = fileNameProblem(fileName);
    if (nameProblem) throw new IngestRefusedError(`cannot use "${fileName}" as the file's name: ${nameProblem}`);
    const meta = await this.catalog.open(fileName, 'ndjson', 'simulation', this.reorgWindow);
    return { fileName, generation: meta.generation, lastBlock: meta.lastBlock };
  }

  /** Stores and enqueues the next blocks of an open stream (numbers must keep increasing). */
  async appendToStream(stream: BlockStream, blocks: readonly Block[]): Promise<void> {
    const reads: ReadBlock[] = [];
    for (const block of blocks) {
      if (stream.lastBlock !== null && block.number <= stream.lastBlock) {
        throw new IngestRefusedError(`${stream.fileName}: block ${block.number} does not come after block ${stream.lastBlock}`);
      }
      const payload = canonicalBlockJson(block);
      reads.push({ block, position: { index: 0 }, payload, digest: digestOf(payload) });
      stream.lastBlock = block.number;
    }
    await this.storeAndEnqueue(stream.fileName, stream.generation, reads);
  }

  /** The stream is whole: the file becomes complete once its blocks are applied. */
  async closeStream(stream: BlockStream): Promise<FileMeta> {
    return this.catalog.seal(stream.fileName, stream.generation, undefined, true);
  }

  private async storeAndEnqueue(fileName: string, generation: number, chunk: readonly ReadBlock[]): Promise<void> {
    await this.catalog.storeBlocks(
      fileName,
      generation,
      chunk.map((read) => ({ number: read.block.number, payload: read.payload, digest: read.digest })),
    );
    await this.queue.enqueue(
      chunk.map((read) => ({ fileName, generation, blockNumber: read.block.number, digest: read.digest })),
    );
  }

  /** Re-adds the jobs of stored blocks not applied yet (an earlier ingest may have died before queueing them). */
  private async requeueUnapplied(fileName: string, generation: number, appliedThrough: number | null): Promise<void> {
    let jobs: ApplyBlockJob[] = [];
    for await (const { number, digest } of this.catalog.storedDigests(fileName)) {
      if (appliedThrough !== null && number <= appliedThrough) continue;
      jobs.push({ fileName, generation, blockNumber: number, digest });
      if (jobs.length >= CHUNK_BLOCKS) {
        await this.queue.enqueue(jobs);
        jobs = [];
      }
    }
    if (jobs.length) await this.queue.enqueue(jobs);
  }
}

