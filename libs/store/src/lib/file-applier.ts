import {
  addLookupsFor,
  applyBlock,
  Block,
  BlockOutcome,
  eachChange,
  emptyLookups,
  EntityKind,
  RegistryOverlay,
} from '@bqm/domain';
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { FileKeys, StoreKeys } from './keys';
import { ApplyBlockJob } from './queue';
import { APPLY_BATCH, FINISH_DRAIN, RELEASE_LEASE, TAKE_LEASE, TAKE_OR_DELEGATE } from './scripts';
import { FilePosition, rollBack } from './file-rollback';
import { indexOperations } from './index-operations';
import { PrefetchedView } from './prefetched-view';
import { VERSION_CODECS, VersionCodec } from './version-codec';

export interface FileApplierOptions {
  /** Blocks applied per atomic write. */
  batchBlocks: number;
  /** A batch also ends after this many events (a batch holds at least one block, however busy). */
  batchEvents: number;
  /** A consumer that dies holding a file's lease blocks that file this long at most. */
  leaseMs: number;
  /** How often a job waiting for another consumer's batch looks again. */
  pollMs: number;
}

export const DEFAULT_APPLIER_OPTIONS: FileApplierOptions = { batchBlocks: 200, batchEvents: 20_000, leaseMs: 10_000, pollMs: 50 };

export type JobOutcome =
  /** The block is applied (by this job's batch or another's). */
  | { outcome: 'applied'; blocksAppliedHere: number }
  /**
   * A consumer is applying the file (same generation): it will apply this block too before it
   * lets the file go (or, if it dies, its own job is delivered again and applies every stored block).
   */
  | { outcome: 'delegated'; blocksAppliedHere: number }
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

/** A rewind carried out: the applied blocks after `toBlock` were undone. */
export interface RollbackReport {
  fileName: string;
  toBlock: number;
  blocksUndone: number;
  durationMs: number;
}

interface Drained {
  applied: number;
  ended: 'released' | 'stopped';
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
 * consumer is killed mid-batch or a lease expires under a slow one. A job that finds the file in
 * a holder's hands leaves word and ends at once (no polling, no worker slot held), so other
 * files' jobs go on; the holder looks again before it lets go.
 */
export class FileApplier {
  private readonly options: FileApplierOptions;

  constructor(
    private readonly redis: Redis,
    private readonly keys: StoreKeys,
    options: Partial<FileApplierOptions> = {},
    private readonly onBatch: (report: BatchReport) => void = () => undefined,
    private readonly onRollback: (report: RollbackReport) => void = () => undefined,
  ) {
    this.options = { ...DEFAULT_APPLIER_OPTIONS, ...options };
  }

  /**
   * Returns once the job's block is applied, handed to the consumer applying its file, or
   * obsolete; applies whatever is pending meanwhile. A job that drained the file ends only when
   * it let the file go cleanly (no word of more blocks left unseen) or handed it to a live holder.
   */
  async ensureApplied(job: ApplyBlockJob, isCancelled: () => boolean = () => false): Promise<JobOutcome> {
    const file = this.keys.file(job.fileName);
    let appliedHere = 0;
    // False after a drain that stopped early (the file moved under it): the word of more blocks
    // it may have taken up must reach a holder before this job ends.
    let settled = true;
    for (;;) {
      const [[, state], [, digest], [, word], [, leased]] = (await this.redis
        .multi()
        .hmget(file.meta, 'generation', 'status', 'appliedThrough', 'error', 'rewindTo')
        .hget(file.digests, String(job.blockNumber))
        .get(file.moreBlocks)
        .exists(file.applyLease)
        .exec()) as [[null, (string | null)[]], [null, string | null], [null, string | null], [null, number]];
      const [generation, status, raw, error, rewindTo] = state;
      const appliedThrough = effectiveAppliedThrough(raw, rewindTo);
      if (generation === null || Number(generation) !== job.generation) {
        return { outcome: 'superseded', reason: 'the file was replaced or deleted' };
      }
      if (job.digest !== '' && digest !== job.digest) return { outcome: 'superseded', reason: 'the block was replaced by newer content' };
      // A pending rewind is carried out before anything counts as applied.
      const rewinding = rewindTo !== null && rewindTo !== '';
      const applied = !rewinding && (appliedThrough !== null ? appliedThrough >= job.blockNumber : job.digest === '' && job.blockNumber < 0);
      // Word of more blocks that no holder will see (its holder died): this job takes the file over.
      const orphanedWord = word !== null && leased === 0;
      if (settled && applied && !orphanedWord) return { outcome: 'applied', blocksAppliedHere: appliedHere };
      if (status === 'stopped') throw new FileStoppedError(job.fileName, error);
      if (isCancelled()) throw new ApplyCancelledError();
      const holder = `${randomUUID()}|${job.generation}`;
      const entry = await TAKE_OR_DELEGATE.run<string>(this.redis, [file.applyLease, file.moreBlocks], [holder, job.generation, this.options.leaseMs]);
      if (entry === 'delegated') return { outcome: 'delegated', blocksAppliedHere: appliedHere };
      if (entry === 'busy') {
        await sleep(this.options.pollMs);
        continue;
      }
      let drained: Drained | undefined;
      try {
        drained = await this.drain(job.fileName, job.generation, holder, isCancelled);
        appliedHere += drained.applied;
      } finally {
        if (drained?.ended !== 'released') await RELEASE_LEASE.run(this.redis, [file.applyLease], [holder]);
      }
      settled = drained.ended === 'released';
    }
  }

  private async takeLease(file: FileKeys, holder: string): Promise<boolean> {
    return (await TAKE_LEASE.run<number>(this.redis, [file.applyLease], [holder, this.options.leaseMs])) === 1;
  }

  /**
   * Applies batches while there are stored blocks past `appliedThrough` and the lease is ours.
   * Ends `released` when it let the file go cleanly, or `stopped` when it stopped early: the file
   * moved (replaced, stopped, another consumer applied), the lease was lost, or the consumer is stopping.
   */
  private async drain(fileName: string, generation: number, holder: string, isCancelled: () => boolean): Promise<Drained> {
    const file = this.keys.file(fileName);
    let applied = 0;
    const stopped = (): Drained => ({ applied, ended: 'stopped' });
    while (!isCancelled()) {
      const started = Date.now();
      const batch = await this.nextBatch(file, generation);
      if (batch === 'done') {
        // Nothing more stored: let go, unless a job left word of more blocks meanwhile.
        const finish = await FINISH_DRAIN.run<string>(this.redis, [file.applyLease, file.moreBlocks], [holder, this.options.leaseMs]);
        if (finish === 'again') continue;
        return finish === 'released' ? { applied, ended: 'released' } : stopped();
      }
      if (!batch) return stopped();
      if ('rewind' in batch) {
        // A reorganisation replaced applied blocks: undo them first, then apply the new ones.
        const undone = await rollBack(this.redis, file, batch.rewind);
        if (undone === undefined) return stopped();
        this.onRollback({ fileName, toBlock: Number(batch.rewind.rewindTo), blocksUndone: undone, durationMs: Date.now() - started });
        if (!(await this.takeLease(file, holder))) return stopped();
        continue;
      }
      const outcomes = await this.applyInMemory(file, batch.blocks);
      const written = await this.write(file, batch.position, outcomes.results, outcomes.base, outcomes.indexOps);
      if (!written) return stopped();
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
      if (!(await this.takeLease(file, holder))) return stopped();
    }
    return stopped();
  }

  /**
   * The next blocks to apply, a rewind to carry out first, `done` when every stored block is
   * applied, or undefined when the file moved (replaced, stopped, applied by another consumer).
   */
  private async nextBatch(
    file: FileKeys,
    generation: number,
  ): Promise<{ position: FilePosition; blocks: Block[] } | { rewind: FilePosition } | 'done' | undefined> {
    const position = await this.position(file);
    if (!position || Number(position.generation) !== generation) return undefined;
    if (position.rewindTo !== '') return { rewind: position };
    const after = position.appliedThrough;
    const numbers =
      after === ''
        ? await this.redis.zrange(file.blocks, 0, this.options.batchBlocks - 1)
        : await this.redis.zrangebyscore(file.blocks, `(${after}`, '+inf', 'LIMIT', 0, this.options.batchBlocks);
    if (numbers.length === 0) return 'done';
    // Read the payloads together with where the file is: a consumer that took over an expired
    // lease, a drop or a reorganisation may have changed these blocks meanwhile.
    const [[, moved], [, payloads]] = (await this.redis
      .multi()
      .hmget(file.meta, 'generation', 'appliedThrough', 'epoch')
      .hmget(file.payloads, ...numbers)
      .exec()) as [[null, (string | null)[]], [null, (string | null)[]]];
    if (moved[0] !== position.generation || (moved[1] ?? '') !== after || (moved[2] ?? '0') !== position.epoch) return undefined;
    const blocks: Block[] = [];
    let events = 0;
    for (const [i, payload] of payloads.entries()) {
      if (payload === null) throw new Error(`block ${numbers[i]} of ${file.base} has no stored content`);
      const block = JSON.parse(payload) as Block;
      events += block.events.length;
      if (blocks.length > 0 && events > this.options.batchEvents) break;
      blocks.push(block);
    }
    return { position, blocks };
  }

  private async position(file: FileKeys): Promise<FilePosition | undefined> {
    const [generation, status, appliedThrough, epoch, rewindTo] = await this.redis.hmget(
      file.meta,
      'generation',
      'status',
      'appliedThrough',
      'epoch',
      'rewindTo',
    );
    if (generation === null || status === 'stopped') return undefined;
    return { generation, appliedThrough: appliedThrough ?? '', epoch: epoch ?? '0', rewindTo: rewindTo ?? '' };
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
    const transitions = [...eachChange(batch.changes)].map(([kind, key, after]) => ({ kind, before: base.get(kind, key), after }));
    return { results, base, indexOps: indexOperations(transitions) };
  }

  private async write(
    file: FileKeys,
    position: FilePosition,
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
      position.generation,
      position.appliedThrough,
      String(results[results.length - 1].blockNumber),
      position.epoch,
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

/** `appliedThrough` as far as answers go: a pending rewind takes blocks back (null: none applied). */
export function effectiveAppliedThrough(appliedThrough: string | null, rewindTo: string | null): number | null {
  const applied = appliedThrough === null || appliedThrough === '' ? null : Number(appliedThrough);
  if (rewindTo === null || rewindTo === '') return applied;
  const target = Number(rewindTo);
  const effective = applied === null ? target : Math.min(applied, target);
  return effective < 0 ? null : effective;
}
