import { appConfigModule, ConsumerMetrics, loggingModule, QueueModule, RedisModule } from '@bqm/platform';
import { DynamicModule, Global, Module } from '@nestjs/common';
import { BlocksModule } from './blocks/blocks.module';
import { ConsumerConfig } from './consumer.config';
import { HeartbeatModule } from './heartbeat/heartbeat.module';

/** One set of metrics for the whole process, recorded by the blocks module, published by the heartbeat. */
@Global()
@Module({ providers: [{ provide: ConsumerMetrics, useValue: new ConsumerMetrics() }], exports: [ConsumerMetrics] })
class MetricsModule {}

@Module({})
export class AppModule {
  static forRoot(config: ConsumerConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        appConfigModule(config),
        loggingModule('consumer', config.LOG_LEVEL),
        RedisModule.forRoot(),
        QueueModule.forRoot(),
        MetricsModule,
        BlocksModule,
        HeartbeatModule,
      ],
    };
  }
}
