import { BullModule } from '@nestjs/bullmq';
import { BLOCKS_QUEUE } from '@bqm/store';
import { ConfigService } from '@nestjs/config';
import { BaseConfig } from './config';
import { createRedis } from './redis';

/**
 * BullMQ wired to the configured Redis and key prefix, with the blocks queue registered.
 * Every app imports it, so all agree on where the queue lives.
 */
export const QueueModule = [
  BullModule.forRootAsync({
    inject: [ConfigService],
    useFactory: (config: ConfigService<BaseConfig, true>) => ({
      connection: createRedis(config.get('REDIS_URL'), { connectionName: 'bqm-queue' }),
      prefix: config.get('KEY_PREFIX'),
    }),
  }),
  BullModule.registerQueue({ name: BLOCKS_QUEUE }),
];
