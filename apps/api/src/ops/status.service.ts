import { REDIS } from '@bqm/platform';
import { BLOCKS_QUEUE, BullBlockQueue, ConsumerHeartbeat, DeploymentCounters, ConsumerHeartbeats, coverageEnd, FileMeta, isComplete, StateReader, StoreKeys } from '@bqm/store';
import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable } from '@nestjs/common';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';

export interface FileStatus {
  fileName: string;
  processedThrough: number | null;
  endBlock: number | null;
  /** Blocks ingested (each queued as a job). */
  blocksQueued: number;
  blocksApplied: number;
  /** Blocks whose job failed for good (visible in the queue's failed set). */
  blocksFailed: number;
  /** Blocks ingested and not applied yet. */
  lag: number;
  eventsApplied: number;
  eventsRejected: number;
  complete: boolean;
  status: 'active' | 'stopped';
  error: string | null;
  reorgs: number;
  /** A reorganisation took applied blocks back and no consumer has undone them yet. */
  rewindPending: boolean;
}

export type QueueCounts = Record<string, number>;

/** What the operational endpoints report: Redis, consumers, the queue, and each file's progress. */
@Injectable()
export class StatusService {
  private readonly heartbeats: ConsumerHeartbeats;

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    private readonly keys: StoreKeys,
    private readonly reader: StateReader,
    @InjectQueue(BLOCKS_QUEUE) private readonly queue: Queue,
  ) {
    this.heartbeats = new ConsumerHeartbeats(redis, keys);
  }

  async redisProblem(): Promise<string | undefined> {
    try {
      await Promise.race([
        this.redis.ping(),
        new Promise((_, reject) => setTimeout(() => reject(new Error('no answer within 2 s')), 2000).unref()),
      ]);
      return undefined;
    } catch (error) {
      return error instanceof Error ? error.message : String(error);
    }
  }

  counters(): Promise<Record<string, number>> {
    return new DeploymentCounters(this.redis, this.keys).read();
  }

  consumers(): Promise<ConsumerHeartbeat[]> {
    return this.heartbeats.alive();
  }

  queueCounts(): Promise<QueueCounts> {
    return this.queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'waiting-children', 'completed', 'failed', 'paused');
  }

  async files(): Promise<FileStatus[]> {
    const metas = await this.reader.listFiles();
    const failed = await new BullBlockQueue(this.queue).failedBlocks();
    const pipeline = this.redis.pipeline();
    for (const meta of metas) {
      pipeline.zcount(this.keys.file(meta.fileName).blocks, meta.appliedThrough === null ? '-inf' : `(${meta.appliedThrough}`, '+inf');
    }
    const lags = ((await pipeline.exec()) ?? []).map(([, count]) => Number(count));
    return metas.map((meta, i) =>
      this.fileStatus(meta, lags[i], (failed.get(meta.fileName) ?? []).filter((block) => block.generation === meta.generation).length),
    );
  }

  private fileStatus(meta: FileMeta, lag: number, blocksFailed: number): FileStatus {
    return {
      fileName: meta.fileName,
      processedThrough: meta.processedThrough,
      endBlock: coverageEnd(meta),
      blocksQueued: meta.blockCount,
      blocksApplied: meta.blocksApplied,
      blocksFailed,
      lag,
      eventsApplied: meta.eventsApplied,
      eventsRejected: meta.eventsRejected,
      complete: isComplete(meta),
      status: meta.status,
      error: meta.error,
      reorgs: meta.reorgs,
      rewindPending: meta.rewindTo !== null,
    };
  }
}
