import { Counter, Histogram, Registry } from 'prom-client';

/**
 * The metrics the consumers record. Each consumer publishes them through Redis with its
 * heartbeat, and the API's /metrics adds them up (prom-client's aggregation of several
 * processes), so one scrape sees the whole deployment however many consumers run.
 */
export class ConsumerMetrics {
  readonly registry = new Registry();
  readonly jobs = new Counter({
    name: 'bqm_jobs_total',
    help: 'Block jobs finished by consumers, by outcome (applied, superseded, failed, returned to the queue)',
    labelNames: ['outcome'],
    registers: [this.registry],
  });
  readonly blockApplySeconds = new Histogram({
    name: 'bqm_block_apply_seconds',
    help: 'Time to apply one block (its share of the atomic batch it was written in)',
    buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    registers: [this.registry],
  });
  readonly rollbacks = new Counter({
    name: 'bqm_rollbacks_total',
    help: 'Chain reorganisations undone (applied blocks rolled back to a common ancestor)',
    registers: [this.registry],
  });
  readonly batchBlocks = new Histogram({
    name: 'bqm_batch_blocks',
    help: 'Blocks written per atomic batch',
    buckets: [1, 2, 5, 10, 25, 50, 100, 200, 500, 1000],
    registers: [this.registry],
  });
}

export const METRICS_CONTENT_TYPE = new Registry().contentType;
