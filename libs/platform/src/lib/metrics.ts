import { Histogram, Registry } from 'prom-client';

/**
 * The timings the consumers record. Each consumer publishes them through Redis with its
 * heartbeat, and the API's /metrics adds up those of the live consumers (prom-client's
 * aggregation of several processes). Totals that must never go back (jobs, rollbacks) are
 * counted in Redis instead (`DeploymentCounters`).
 */
export class ConsumerMetrics {
  readonly registry = new Registry();
  readonly blockApplySeconds = new Histogram({
    name: 'bqm_block_apply_seconds',
    help: 'Time to apply one block (its share of the atomic batch it was written in)',
    buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
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
