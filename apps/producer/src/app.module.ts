import { appConfigModule, loggingModule, QueueModule, RedisModule } from '@bqm/platform';
import { DynamicModule, Module } from '@nestjs/common';
import { ProducerConfig } from './producer.config';
import { SimulateModule } from './simulate/simulate.module';
import { SimulationRunner } from './simulate/simulation.runner';
import { WatchModule } from './watch/watch.module';

/** The producer service: watches DATA_DIR, and runs the simulator when SIMULATE=true. */
@Module({})
export class AppModule {
  static forRoot(config: ProducerConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [appConfigModule(config), loggingModule('producer', config.LOG_LEVEL), RedisModule.forRoot(), QueueModule.forRoot(), WatchModule, SimulateModule],
      providers: [SimulationRunner],
    };
  }
}
