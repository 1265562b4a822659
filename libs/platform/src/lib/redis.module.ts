import { DynamicModule, Global, Inject, Logger, Module, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { FileCatalog, StateReader, StoreKeys } from '@bqm/store';
import type { Redis } from 'ioredis';
import { BaseConfig } from './config';
import { createRedis, evictionPolicyWarning, FAIL_FAST } from './redis';

/** The app's Redis connection for its own reads and writes (BullMQ keeps its own). */
export const REDIS = Symbol('REDIS');

class RedisLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  constructor(@Inject(REDIS) private readonly redis: Redis) {}

  async onApplicationBootstrap(): Promise<void> {
    const warning = await evictionPolicyWarning(this.redis);
    if (warning) new Logger('Redis').warn(warning);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}

export interface RedisModuleOptions {
  /** Commands fail within seconds while Redis is away (for the API) instead of waiting for it. */
  failFast?: boolean;
}

/** Redis and the store's objects over it, for every module of an app. */
@Global()
@Module({})
export class RedisModule {
  static forRoot(options: RedisModuleOptions = {}): DynamicModule {
    return {
      module: RedisModule,
      providers: [
        {
          provide: REDIS,
          inject: [ConfigService],
          useFactory: (config: ConfigService<BaseConfig, true>) =>
            createRedis(config.get('REDIS_URL'), { connectionName: 'bqm', ...(options.failFast ? FAIL_FAST : {}) }),
        },
        {
          provide: StoreKeys,
          inject: [ConfigService],
          useFactory: (config: ConfigService<BaseConfig, true>) => new StoreKeys(config.get('KEY_PREFIX')),
        },
        { provide: StateReader, inject: [REDIS, StoreKeys], useFactory: (redis: Redis, keys: StoreKeys) => new StateReader(redis, keys) },
        { provide: FileCatalog, inject: [REDIS, StoreKeys], useFactory: (redis: Redis, keys: StoreKeys) => new FileCatalog(redis, keys) },
        RedisLifecycle,
      ],
      exports: [REDIS, StoreKeys, StateReader, FileCatalog],
    };
  }
}
