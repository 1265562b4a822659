/** The queue every app shares: one job per block of a file; consumers apply them. */
export const BLOCKS_QUEUE = 'blocks';
export const APPLY_BLOCK_JOB = 'apply-block';

/** Every BullMQ queue of the system: the apps register each, and the API's dashboard shows each. */
export const QUEUE_NAMES: readonly string[] = [BLOCKS_QUEUE];

export interface ApplyBlockJob {
  fileName: string;
  generation: number;
  blockNumber: number;
  /** Digest of the block's content: a job for content that was since replaced is obsolete. */
  digest: string;
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
}
