import { appConfigModule, loggingModule, QueueModule, RedisModule } from '@bqm/platform';
import { DynamicModule, Module } from '@nestjs/common';
import { ProducerConfig } from './producer.config';
import { WatchModule } from './watch/watch.module';

@Module({})
export class AppModule {
  static forRoot(config: ProducerConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [appConfigModule(config), loggingModule('producer', config.LOG_LEVEL), RedisModule, QueueModule, WatchModule],
    };
  }
}
