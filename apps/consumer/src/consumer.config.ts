import { BaseConfig, intSetting } from '@bqm/platform';

export class ConsumerConfig extends BaseConfig {
  /** Jobs one consumer takes at once. Most of them wait for the batch that applies their block. */
  @intSetting(1, 1000)
  CONSUMER_CONCURRENCY = 16;

  /** Blocks applied per atomic write. */
  @intSetting(1, 5000)
  BATCH_BLOCKS = 200;

  /** How long a killed consumer can hold up a file before another takes over (ms). */
  @intSetting(1000, 600_000)
  APPLY_LEASE_MS = 10_000;
}
