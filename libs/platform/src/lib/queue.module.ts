import { BullModule } from '@nestjs/bullmq';
import { QUEUE_NAMES } from '@bqm/store';
import { DynamicModule, Global, Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { BaseConfig } from './config';
import { createRedis, FAIL_FAST } from './redis';

/**
 * BullMQ wired to the configured Redis and key prefix, with every queue of the system registered, for
 * every module of an app: all apps agree on where the queue lives.
 */
@Global()
@Module({})
export class QueueModule {
  /** `failFast`: for an app that only reads the queue (the API), see RedisModule. Workers always wait for Redis. */
  static forRoot(options: { failFast?: boolean } = {}): DynamicModule {
    const bull = BullModule.forRootAsync({
      inject: [ConfigService],
      useFactory: (config: ConfigService<BaseConfig, true>) => ({
        connection: createRedis(config.get('REDIS_URL'), { connectionName: 'bqm-queue', ...(options.failFast ? FAIL_FAST : {}) }),
        prefix: config.get('KEY_PREFIX'),
      }),
    });
    const queues = QUEUE_NAMES.map((name) => BullModule.registerQueue({ name }));
    return { module: QueueModule, imports: [bull, ...queues], exports: [BullModule] };
  }
}
