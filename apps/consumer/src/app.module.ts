import { appConfigModule, loggingModule, QueueModule, RedisModule } from '@bqm/platform';
import { DynamicModule, Module } from '@nestjs/common';
import { BlocksModule } from './blocks/blocks.module';
import { ConsumerConfig } from './consumer.config';

@Module({})
export class AppModule {
  static forRoot(config: ConsumerConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [appConfigModule(config), loggingModule('consumer', config.LOG_LEVEL), RedisModule, QueueModule, BlocksModule],
    };
  }
}
