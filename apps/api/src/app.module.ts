import { appConfigModule, loggingModule, QueueModule, RedisModule } from '@bqm/platform';
import { DynamicModule, Module } from '@nestjs/common';
import { ApiConfig } from './api.config';
import { FilesModule } from './files/files.module';
import { QueuesModule } from './queues/queues.module';
import { OpsModule } from './ops/ops.module';
import { StateModule } from './state/state.module';

@Module({})
export class AppModule {
  static forRoot(config: ApiConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [appConfigModule(config), loggingModule('api', config.LOG_LEVEL), RedisModule.forRoot({ failFast: true }), QueueModule.forRoot({ failFast: true }), FilesModule, StateModule, QueuesModule.forRoot(config), OpsModule],
    };
  }
}
