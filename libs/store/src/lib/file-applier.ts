import {
  addLookupsFor,
  applyBlock,
  Block,
  BlockOutcome,
  countChanges,
  eachChange,
  emptyLookups,
  EntityChanges,
  EntityKind,
  RegistryOverlay,
} from '@bqm/domain';
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { FileKeys, StoreKeys } from './keys';
import { ApplyBlockJob } from './queue';
import { APPLY_BATCH, RELEASE_LEASE, TAKE_LEASE } from './scripts';
import { PrefetchedView } from './prefetched-view';
import { VERSION_CODECS, VersionCodec } from './version-codec';

export interface FileApplierOptions {
  /** Blocks applied per atomic write. */
  batchBlocks: number;
  /** How many recent blocks a reorganisation may undo: their change log is kept. */
  reorgWindow: number;
  /** A consumer that dies holding a file's lease blocks that file this long at most. */
  leaseMs: number;
  /** How often a job waiting for another consumer's batch looks again. */
  pollMs: number;
}

export const DEFAULT_APPLIER_OPTIONS: FileApplierOptions = { batchBlocks: 200, reorgWindow: 64, leaseMs: 10_000, pollMs: 50 };

export type JobOutcome =
  /** The block is applied (by this job's batch or another's). */
  | { outcome: 'applied'; blocksAppliedHere: number }
  /** The file was replaced, or this block's content was, since the job was queued: nothing to do. */
  | { outcome: 'superseded'; reason: string };

export class FileStoppedError extends Error {
  constructor(fileName: string, reason: string | null) {
    super(`file ${fileName} is stopped${reason ? `: ${reason}` : ''}`);
    this.name = 'FileStoppedError';
  }
}

/** The caller asked to stop (a consumer shutting down) before the job's block was applied. */
export class ApplyCancelledError extends Error {
  constructor() {
    super('stopped before the block was applied; the job goes back to the queue');
    this.name = 'ApplyCancelledError';
  }
}

/** What one batch did, for logs and metrics. */
export interface BatchReport {
  fileName: string;
  fromBlock: number;
  toBlock: number;
  blocks: number;
  eventsApplied: number;
  eventsRejected: number;
  durationMs: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const REJECTION_INDEX_WIDTH = 6;

/**
 * Applies a file's stored blocks in order. Any number of consumers may call it for any jobs in
 * any order: one holds the file's lease and applies batches; each batch is written by a script
 * that checks nothing moved meanwhile, so a block takes effect exactly once even when a
 * consumer is killed mid-batch or a lease expires under a slow one.
 */
export class FileApplier {
  private readonly options: FileApplierOptions;
  /** Drains running in this process, by file: local jobs of that file wait on them, not on Redis. */
  private readonly localDrains = new Map<string, Promise<number>>();

  constructor(
    private readonly redis: Redis,
    private readonly keys: StoreKeys,
    options: Partial<FileApplierOptions> = {},
    private readonly onBatch: (report: BatchReport) => void = () => undefined,
  ) {
    this.options = { ...DEFAULT_APPLIER_OPTIONS, ...options };
  }

  /** Returns once the job's block is applied (or obsolete); applies whatever is pending meanwhile. */
  async ensureApplied(job: ApplyBlockJob, isCancelled: () => boolean = () => false): Promise<JobOutcome> {
    const file = this.keys.file(job.fileName);
    let appliedHere = 0;
    for (;;) {
      const [[, state], [, digest]] = (await this.redis
        .multi()
        .hmget(file.meta, 'generation', 'status', 'appliedThrough', 'error')
        .hget(file.digests, String(job.blockNumber))
        .exec()) as [[null, (string | null)[]], [null, string | null]];
      const [generation, status, appliedThrough, error] = state;
      if (generation === null || Number(generation) !== job.generation) {
        return { outcome: 'superseded', reason: 'the file was replaced or deleted' };
      }
      if (digest !== job.digest) return { outcome: 'superseded', reason: 'the block was replaced by newer content' };
      if (appliedThrough !== null && appliedThrough !== '' && Number(appliedThrough) >= job.blockNumber) {
        return { outcome: 'applied', blocksAppliedHere: appliedHere };
      }
      if (status === 'stopped') throw new FileStoppedError(job.fileName, error);
      if (isCancelled()) throw new ApplyCancelledError();
      const local = this.localDrains.get(job.fileName);
      if (local) {
        await local.catch(() => undefined);
        continue;
      }
      const holder = randomUUID();
      if (await this.takeLease(file, holder)) {
        const drain = this.drain(job.fileName, job.generation, holder, isCancelled).finally(() =>
          RELEASE_LEASE.run(this.redis, [file.applyLease], [holder]),
        );
        this.localDrains.set(job.fileName, drain);
        try {
          appliedHere += await drain;
        } finally {
          this.localDrains.delete(job.fileName);
        }
      } else {
        await sleep(this.options.pollMs);
      }
    }
  }

  private async takeLease(file: FileKeys, holder: string): Promise<boolean> {
    return (await TAKE_LEASE.run<number>(this.redis, [file.applyLease], [holder, this.options.leaseMs])) === 1;
  }

  /** Applies batches while there are stored blocks past `appliedThrough` and the lease is ours. */
  private async drain(fileName: string, generation: number, holder: string, isCancelled: () => boolean): Promise<number> {
    const file = this.keys.file(fileName);
    let applied = 0;
    while (!isCancelled()) {
      const started = Date.now();
      const batch = await this.nextBatch(file, generation);
      if (!batch) break;
      const outcomes = await this.applyInMemory(file, batch.blocks);
      const written = await this.write(file, generation, batch.after, outcomes.results, outcomes.base, outcomes.indexOps);
      if (!written) break;
      applied += batch.blocks.length;
      const last = batch.blocks[batch.blocks.length - 1].number;
      this.onBatch({
        fileName,
        fromBlock: batch.blocks[0].number,
        toBlock: last,
        blocks: batch.blocks.length,
        eventsApplied: outcomes.results.reduce((sum, o) => sum + o.eventsApplied, 0),
        eventsRejected: outcomes.results.reduce((sum, o) => sum + o.eventsRejected, 0),
        durationMs: Date.now() - started,
      });
      if (!(await this.takeLease(file, holder))) break;
    }
    return applied;
  }

  private async nextBatch(file: FileKeys, generation: number): Promise<{ after: string; blocks: Block[] } | undefined> {
    const [storedGeneration, status, after] = await this.redis.hmget(file.meta, 'generation', 'status', 'appliedThrough');
    if (Number(storedGeneration) !== generation || status === 'stopped') return undefined;
    const numbers =
      after === null || after === ''
        ? await this.redis.zrange(file.blocks, 0, this.options.batchBlocks - 1)
        : await this.redis.zrangebyscore(file.blocks, `(${after}`, '+inf', 'LIMIT', 0, this.options.batchBlocks);
    if (numbers.length === 0) return undefined;
    // Read the payloads together with where the file is: a consumer that took over an expired
    // lease (or a drop) may have applied these blocks, and deleted their payloads, meanwhile.
    const [[, moved], [, payloads]] = (await this.redis
      .multi()
      .hmget(file.meta, 'generation', 'appliedThrough')
      .hmget(file.payloads, ...numbers)
      .exec()) as [[null, (string | null)[]], [null, (string | null)[]]];
    if (moved[0] !== storedGeneration || moved[1] !== after) return undefined;
    const blocks = payloads.map((payload, i) => {
      if (payload === null) throw new Error(`block ${numbers[i]} of ${file.base} has no stored content`);
      return JSON.parse(payload) as Block;
    });
    return { after: after ?? '', blocks };
  }

  /** Runs the rules over the batch against the file's latest state, loaded once for the batch. */
  private async applyInMemory(file: FileKeys, blocks: Block[]) {
    const lookups = emptyLookups();
    for (const block of blocks) addLookupsFor(block.events, lookups);
    const base = await PrefetchedView.load(this.redis, file, lookups);
    const batch = new RegistryOverlay(base);
    const results: BlockOutcome[] = [];
    for (const block of blocks) {
      const outcome = applyBlock(batch, block);
      batch.absorb(outcome.changes);
      results.push(outcome);
    }
    return { results, base, indexOps: indexOperations(base, batch.changes) };
  }

  private async write(
    file: FileKeys,
    generation: number,
    after: string,
    results: BlockOutcome[],
    base: PrefetchedView,
    indexOps: string[][],
  ): Promise<boolean> {
    const versions: string[] = [];
    const changelog: string[] = [];
    const rejections: string[] = [];
    const stats: string[] = [];
    const heads = new Map<string, [EntityKind, string, string]>();
    const born: string[] = [];
    for (const result of results) {
      const block = String(result.blockNumber);
      const changed: string[] = [];
      for (const [kind, key, entity] of eachChange(result.changes)) {
        versions.push(kind, key, block, (VERSION_CODECS[kind] as VersionCodec<EntityKind>).encode(entity as never));
        changed.push(`${kind}:${key}`);
        const headKey = `${kind}:${key}`;
        if (!heads.has(headKey) && !base.has(kind, key)) born.push(kind, key, block);
        heads.set(headKey, [kind, key, JSON.stringify(entity)]);
      }
      if (changed.length) changelog.push(block, `${block}|${changed.join('\n')}`);
      for (const rejection of result.rejections) {
        rejections.push(block, `${String(rejection.index).padStart(REJECTION_INDEX_WIDTH, '0')}|${JSON.stringify(rejection)}`);
      }
      stats.push(block, String(result.eventsApplied), String(result.eventsRejected));
    }
    const headArgs = [...heads.values()].flat();
    const payloads = results.map((result) => String(result.blockNumber));
    const reply = await APPLY_BATCH.run<[number, string]>(this.redis, [file.meta], [
      file.base,
      String(generation),
      after,
      String(results[results.length - 1].blockNumber),
      String(this.options.reorgWindow),
      String(Date.now()),
      String(versions.length / 4),
      String(headArgs.length / 3),
      String(born.length / 3),
      String(changelog.length / 2),
      String(rejections.length / 2),
      String(stats.length / 3),
      String(indexOps.length),
      String(payloads.length),
      ...versions,
      ...headArgs,
      ...born,
      ...changelog,
      ...rejections,
      ...stats,
      ...indexOps.flat(),
      ...payloads,
    ]);
    return reply[0] === 1;
  }
}

/**
 * The index entries that follow from a batch's changes: which not-removed operator holds each
 * public key, and which not-removed validators each cluster has. Key suffixes are relative to
 * the file's base, as the write script expects.
 */
function indexOperations(base: PrefetchedView, changes: EntityChanges): string[][] {
  if (countChanges(changes) === 0) return [];
  const ops: string[][] = [];
  const operatorKeys = 'index:operator-keys';
  const released: string[][] = [];
  const taken: string[][] = [];
  for (const [id, operator] of changes.operators) {
    const before = base.getOperator(id);
    if (before && !before.removed && operator.removed) released.push(['HDEL', operatorKeys, before.publicKey, '']);
    if (!operator.removed && (!before || before.removed)) taken.push(['HSET', operatorKeys, operator.publicKey, String(id)]);
  }
  // A key freed by one operator may be taken by another in the same batch: free first.
  ops.push(...released, ...taken);
  for (const [publicKey, validator] of changes.validators) {
    const before = base.getValidator(publicKey);
    const wasIn = before && !before.removed ? before.clusterId : undefined;
    const isIn = validator.removed ? undefined : validator.clusterId;
    if (wasIn === isIn) continue;
    if (wasIn !== undefined) ops.push(['SREM', `index:cluster:${wasIn}`, publicKey, '']);
    if (isIn !== undefined) ops.push(['SADD', `index:cluster:${isIn}`, publicKey, '']);
  }
  return ops;
}
