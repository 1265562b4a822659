import { appConfigModule, QueueModule, RedisModule } from '@bqm/platform';
import { DynamicModule, Module } from '@nestjs/common';
import { IngestModule } from '../ingest/ingest.module';
import { ProducerConfig } from '../producer.config';
import { SimulateModule } from '../simulate/simulate.module';

/** What the command-line tools need: Redis, the queue, the ingestor and the simulator; no watcher. */
@Module({})
export class CliModule {
  static forRoot(config: ProducerConfig): DynamicModule {
    return { module: CliModule, imports: [appConfigModule(config), RedisModule.forRoot(), QueueModule.forRoot(), IngestModule, SimulateModule] };
  }
}
