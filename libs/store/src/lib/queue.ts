/** The queue every app shares: one job per block of a file; consumers apply them. */
export const BLOCKS_QUEUE = 'blocks';
export const APPLY_BLOCK_JOB = 'apply-block';

/** Every BullMQ queue of the system: the apps register each, and the API's dashboard shows each. */
export const QUEUE_NAMES: readonly string[] = [BLOCKS_QUEUE];

export interface ApplyBlockJob {
  fileName: string;
  generation: number;
  blockNumber: number;
  /**
   * Digest of the block's content: a job for content that was since replaced is obsolete.
   * Empty for a job that only makes a consumer carry out a pending rewind (see `rewindJob`).
   */
  digest: string;
}

/**
 * A reorganisation that takes applied blocks back without bringing new ones still needs a
 * consumer to undo them: this job asks for it (any job of the file would). Its id is new for
 * each reorganisation (`epoch`), so the queue never takes it for an old one.
 */
export function rewindJob(fileName: string, generation: number, target: number, epoch: number): { data: ApplyBlockJob; jobId: string } {
  return {
    data: { fileName, generation, blockNumber: target, digest: '' },
    jobId: `${fileName}--g${generation}--rewind--e${epoch}`,
  };
}

/**
 * Job ids are derived from the content, so enqueueing the same block twice (a re-run after a
 * crash) is deduplicated by BullMQ, while new content for the same block number gets a new job.
 * BullMQ refuses `:` in custom ids; file names cannot contain it.
 */
export function applyBlockJobId(job: ApplyBlockJob): string {
  return `${job.fileName}--g${job.generation}--b${job.blockNumber}--${job.digest.slice(0, 12)}`;
}

/** The producer's side of the queue (a driver interface: BullMQ in the apps, anything in tests). */
export interface BlockQueue {
  enqueue(jobs: readonly ApplyBlockJob[]): Promise<void>;
  /** Asks a consumer to carry out a pending rewind (a job with its own id). */
  requestRewind(fileName: string, generation: number, target: number, epoch: number): Promise<void>;
  /** Gives the failed jobs of a file another round of attempts (ingesting it again asks for this). */
  retryFailed(fileName: string): Promise<number>;
}
