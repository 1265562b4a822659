import { DeploymentCounters, FileApplier, StoreKeys } from '@bqm/store';
import { ConsumerMetrics, REDIS } from '@bqm/platform';
import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { Redis } from 'ioredis';
import { PinoLogger } from 'nestjs-pino';
import { ConsumerConfig } from '../consumer.config';
import { BlocksProcessor } from './blocks.processor';

@Module({
  providers: [
    {
      provide: FileApplier,
      inject: [REDIS, StoreKeys, ConfigService, PinoLogger, ConsumerMetrics, DeploymentCounters],
      useFactory: (
        redis: Redis,
        keys: StoreKeys,
        config: ConfigService<ConsumerConfig, true>,
        logger: PinoLogger,
        metrics: ConsumerMetrics,
        counters: DeploymentCounters,
      ) => {
        logger.setContext('FileApplier');
        return new FileApplier(
          redis,
          keys,
          {
            batchBlocks: config.get('BATCH_BLOCKS'),
            leaseMs: config.get('APPLY_LEASE_MS'),
          },
          (batch) => {
            logger.info({ file: batch.fileName, ...batch }, 'applied blocks');
            metrics.batchBlocks.observe(batch.blocks);
            const perBlock = batch.durationMs / 1000 / batch.blocks;
            for (let i = 0; i < batch.blocks; i++) metrics.blockApplySeconds.observe(perBlock);
          },
          (rollback) => {
            logger.warn({ file: rollback.fileName, ...rollback }, `chain reorganisation: undid ${rollback.blocksUndone} blocks after block ${rollback.toBlock}`);
            counters.add('rollbacks').catch(() => undefined);
          },
        );
      },
    },
    { provide: DeploymentCounters, inject: [REDIS, StoreKeys], useFactory: (redis: Redis, keys: StoreKeys) => new DeploymentCounters(redis, keys) },
    BlocksProcessor,
  ],
})
export class BlocksModule {}
