import { JobsOptions, Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { APPLY_BLOCK_JOB, applyBlockJobId, ApplyBlockJob, BLOCKS_QUEUE, BlockQueue, rewindJob } from './queue';

/**
 * Retries cover a consumer's transient failures (Redis restarting); a block that still fails
 * stays in the failed set, visible, and its file does not move past it. Completed jobs are
 * trimmed: the store, not the queue, is the record of what was applied.
 */
export const APPLY_BLOCK_JOB_OPTIONS: JobsOptions = {
  attempts: 8,
  backoff: { type: 'exponential', delay: 500 },
  removeOnComplete: { age: 24 * 3600, count: 5000 },
  removeOnFail: false,
};

const FAILED_JOBS_READ = 1000;

export interface FailedBlock {
  blockNumber: number;
  generation: number;
  reason: string;
}

/** The BullMQ driver of `BlockQueue`. */
export class BullBlockQueue implements BlockQueue {
  constructor(private readonly queue: Queue) {}

  static create(connection: Redis, prefix: string): BullBlockQueue {
    return new BullBlockQueue(new Queue(BLOCKS_QUEUE, { connection, prefix }));
  }

  async enqueue(jobs: readonly ApplyBlockJob[]): Promise<void> {
    if (jobs.length === 0) return;
    await this.queue.addBulk(
      jobs.map((data) => ({ name: APPLY_BLOCK_JOB, data, opts: { ...APPLY_BLOCK_JOB_OPTIONS, jobId: applyBlockJobId(data) } })),
    );
  }

  async requestRewind(fileName: string, generation: number, target: number, epoch: number): Promise<void> {
    const { data, jobId } = rewindJob(fileName, generation, target, epoch);
    await this.queue.add(APPLY_BLOCK_JOB, data, { ...APPLY_BLOCK_JOB_OPTIONS, jobId });
  }

  /**
   * Blocks whose job failed for good, by file, with the last error. Failed jobs are few (they
   * were retried first); a file with one does not move past that block until it is retried.
   */
  async failedBlocks(): Promise<Map<string, FailedBlock[]>> {
    const byFile = new Map<string, FailedBlock[]>();
    for (const job of await this.queue.getFailed(0, FAILED_JOBS_READ - 1)) {
      const data = job?.data as ApplyBlockJob | undefined;
      if (!data?.fileName) continue;
      const failed = byFile.get(data.fileName) ?? [];
      if (!failed.some((block) => block.blockNumber === data.blockNumber)) {
        failed.push({ blockNumber: data.blockNumber, generation: data.generation, reason: job.failedReason ?? 'unknown' });
      }
      byFile.set(data.fileName, failed.sort((a, b) => a.blockNumber - b.blockNumber));
    }
    return byFile;
  }

  /** Gives the failed jobs of a file another round of attempts. Returns how many. */
  async retryFailed(fileName: string): Promise<number> {
    let retried = 0;
    for (const job of await this.queue.getFailed(0, FAILED_JOBS_READ - 1)) {
      if ((job?.data as ApplyBlockJob | undefined)?.fileName !== fileName) continue;
      await job.retry('failed');
      retried += 1;
    }
    return retried;
  }

  async close(): Promise<void> {
    await this.queue.close();
  }
}
