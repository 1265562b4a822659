import { BlockFileFormat, BlockFileReader, BlockFileSummary, canonicalBlockJson, digestOf, ReadBlock } from '@bqm/block-files';
import { Block, BlockFileError } from '@bqm/domain';
import {
  ApplyBlockJob,
  BlockQueue,
  coverageEnd,
  FileCatalog,
  fileNameProblem,
  FileMeta,
  StoreKeys,
} from '@bqm/store';
import type { Redis } from 'ioredis';
import { basename } from 'node:path';

/** The file cannot be taken as it is; nothing was queued. The CLI exits 2 with the message. */
export class IngestRefusedError extends Error {
  constructor(message: string) {
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
  /** `new`: first ingest; `appended`: known blocks unchanged, new ones queued; `unchanged`: nothing to do; `replaced`. */
  outcome: 'new' | 'appended' | 'unchanged' | 'replaced';
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
  | { kind: 'differs'; reason: string };

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
    if (comparison.kind === 'differs' && !options.replace) {
      throw new IngestRefusedError(
        `${fileName}: ${comparison.reason}; the file differs from the one ingested under this name before ` +
          `(use --replace to drop its state and ingest it anew, or --name to ingest it under another name)`,
      );
    }
    const replacing = comparison.kind === 'differs' || (previous !== null && options.replace === true && comparison.kind !== 'new');
    if (replacing) await this.catalog.drop(fileName);
    const matched = comparison.kind === 'same-prefix' && !replacing ? comparison.matchedBlocks : 0;
    const meta = await this.catalog.open(fileName, summary.format);

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
      for await (const read of new BlockFileReader(path, { format: options.format, displayName: fileName }).blocks()) {
        if (index++ < matched) continue;
        chunk.push(read);
        if (chunk.length >= CHUNK_BLOCKS) await flush();
      }
      await flush();
    }
    if (matched > 0) await this.requeueUnapplied(fileName, meta.generation, meta.appliedThrough);
    const sealed = await this.catalog.seal(fileName, meta.generation, summary.toBlock, true);
    const outcome: IngestResult['outcome'] = replacing
      ? 'replaced'
      : previous === null
        ? 'new'
        : progress.blocksQueued > 0 || sealed.toBlock !== previous.toBlock
          ? 'appended'
          : 'unchanged';
    return {
      fileName,
      outcome,
      blocksInFile: summary.blockCount,
      blocksQueued: progress.blocksQueued,
      firstQueuedBlock: firstQueued,
      meta: sealed,
    };
  }

  /**
   * Reads the whole file once: every file-level rule, and a block-by-block comparison with the
   * blocks stored under the same name (a merge of two ordered sequences, so memory stays flat).
   */
  private async check(
    path: string,
    fileName: string,
    previous: FileMeta | null,
    options: IngestOptions,
    onBlock: () => void,
  ): Promise<{ summary: BlockFileSummary; comparison: Comparison }> {
    const reader = new BlockFileReader(path, { format: options.format, displayName: fileName });
    const stored = previous ? this.catalog.storedDigests(fileName)[Symbol.asyncIterator]() : undefined;
    let next = stored ? await stored.next() : undefined;
    let matchedBlocks = 0;
    let difference: string | undefined;
    const previousEnd = previous ? coverageEnd(previous) : null;
    try {
      for await (const { block, digest } of reader.blocks()) {
        onBlock();
        if (difference || !previous) continue;
        if (next && !next.done) {
          const known = next.value;
          if (known.number === block.number && known.digest === digest) {
            matchedBlocks += 1;
            next = await stored!.next();
          } else if (known.number === block.number) {
            difference = `block ${block.number} differs from the block ${block.number} ingested before`;
          } else if (block.number < known.number) {
            difference = `block ${block.number} was not in the file ingested before (its next block there is ${known.number})`;
          } else {
            difference = `block ${known.number}, ingested before, is missing from the file`;
          }
        } else if (previousEnd !== null && block.number <= previousEnd) {
          difference = `block ${block.number} is new but lies within blocks the earlier ingest covered (up to ${previousEnd})`;
        }
      }
    } catch (error) {
      if (error instanceof BlockFileError) throw new IngestRefusedError(error.message);
      throw error;
    }
    const summary = reader.summary();
    if (!previous) return { summary, comparison: { kind: 'new' } };
    if (!difference && next && !next.done) {
      difference = `block ${next.value.number}, ingested before, is missing from the file`;
    }
    if (!difference && previous.toBlock !== null && (summary.toBlock ?? summary.lastBlock ?? -1) < previous.toBlock) {
      difference = `the file covered blocks up to ${previous.toBlock} before (toBlock), and now ends at ${summary.toBlock ?? summary.lastBlock}`;
    }
    return { summary, comparison: difference ? { kind: 'differs', reason: difference } : { kind: 'same-prefix', matchedBlocks } };
  }

  /**
   * Opens a file that grows block by block (a simulation): it stays open, and so not complete,
   * until `closeStream`. Appending to a file of this name continues after its last block.
   */
  async openStream(fileName: string): Promise<BlockStream> {
    const nameProblem = fileNameProblem(fileName);
    if (nameProblem) throw new IngestRefusedError(`cannot use "${fileName}" as the file's name: ${nameProblem}`);
    const meta = await this.catalog.open(fileName, 'ndjson', 'simulation');
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

