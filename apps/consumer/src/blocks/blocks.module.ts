import { FileApplier, StoreKeys } from '@bqm/store';
import { REDIS } from '@bqm/platform';
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
      inject: [REDIS, StoreKeys, ConfigService, PinoLogger],
      useFactory: (redis: Redis, keys: StoreKeys, config: ConfigService<ConsumerConfig, true>, logger: PinoLogger) => {
        logger.setContext('FileApplier');
        return new FileApplier(
          redis,
          keys,
          {
            batchBlocks: config.get('BATCH_BLOCKS'),
            reorgWindow: config.get('REORG_WINDOW'),
            leaseMs: config.get('APPLY_LEASE_MS'),
          },
          (batch) => logger.info(batch, 'applied blocks'),
        );
      },
    },
    BlocksProcessor,
  ],
})
export class BlocksModule {}
