export * from './lib/config';
export * from './lib/redis';
export * from './lib/redis.module';
export * from './lib/queue.module';
export * from './lib/app-config.module';
export * from './lib/logging';
export * from './lib/bootstrap';
export * from './lib/metrics';
