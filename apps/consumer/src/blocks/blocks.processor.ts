import { ApplyBlockJob, ApplyCancelledError, BLOCKS_QUEUE, DeploymentCounters, FileApplier, FileStoppedError, JobOutcome } from '@bqm/store';
import { Processor, WorkerHost } from '@nestjs/bullmq';
import { BeforeApplicationShutdown, OnApplicationBootstrap } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { DelayedError, Job, UnrecoverableError } from 'bullmq';
import { PinoLogger } from 'nestjs-pino';
import { ConsumerConfig } from '../consumer.config';

/**
 * One job per block. The job is done when its block is applied, or handed to the consumer
 * applying its file (which applies every pending block of the file in order).
 * The consumer applying a file holds the job that made it start: if it dies, that job's lock
 * lapses within `lockDuration`, the stalled-job check gives it to another consumer, and it applies
 * every stored block again from where the file is. A job may stall more than once (several
 * consumers killed in a row) without being failed for it.
 */
@Processor(BLOCKS_QUEUE, { lockDuration: 15_000, stalledInterval: 5_000, maxStalledCount: 10 })
export class BlocksProcessor extends WorkerHost implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private stopping = false;

  constructor(
    private readonly applier: FileApplier,
    private readonly config: ConfigService<ConsumerConfig, true>,
    private readonly logger: PinoLogger,
    private readonly counters: DeploymentCounters,
  ) {
    super();
    this.logger.setContext(BlocksProcessor.name);
  }

  onApplicationBootstrap(): void {
    this.worker.concurrency = this.config.get('CONSUMER_CONCURRENCY');
  }

  /** Stop taking jobs, let running batches end, hand waiting jobs back to the queue. */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    await this.worker.close();
  }

  async process(job: Job<ApplyBlockJob>, token?: string): Promise<JobOutcome> {
    const { fileName, blockNumber } = job.data;
    try {
      const outcome = await this.applier.ensureApplied(job.data, () => this.stopping);
      await this.counters.add(`jobs:${outcome.outcome}`);
      this.logger.debug({ file: fileName, block: blockNumber, job: job.id, ...outcome }, 'block done');
      return outcome;
    } catch (error) {
      if (error instanceof ApplyCancelledError && token) {
        // Not a failure: the job goes back to the queue for another consumer, attempts untouched.
        await this.counters.add('jobs:returned');
        await job.moveToDelayed(Date.now(), token);
        throw new DelayedError();
      }
      await this.counters.add('jobs:failed');
      if (error instanceof FileStoppedError) throw new UnrecoverableError(error.message);
      this.logger.error({ file: fileName, block: blockNumber, job: job.id, attempt: job.attemptsMade + 1, err: error }, 'block failed');
      throw error;
    }
  }
}
