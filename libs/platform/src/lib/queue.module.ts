import { BullModule } from '@nestjs/bullmq';
import { QUEUE_NAMES } from '@bqm/store';
import { Global, Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { BaseConfig } from './config';
import { createRedis } from './redis';

/**
 * BullMQ wired to the configured Redis and key prefix, with every queue of the system registered, for
 * every module of an app: all apps agree on where the queue lives.
 */
@Global()
@Module({
  imports: [
    BullModule.forRootAsync({
      inject: [ConfigService],
      useFactory: (config: ConfigService<BaseConfig, true>) => ({
        connection: createRedis(config.get('REDIS_URL'), { connectionName: 'bqm-queue' }),
        prefix: config.get('KEY_PREFIX'),
      }),
    }),
    BullModule.registerQueue(...QUEUE_NAMES.map((name) => ({ name }))),
  ],
  exports: [BullModule],
})
export class QueueModule {}
