import { FileIngestor } from '@bqm/ingest';
import { REDIS } from '@bqm/platform';
import { BLOCKS_QUEUE, BullBlockQueue, StoreKeys } from '@bqm/store';
import { getQueueToken } from '@nestjs/bullmq';
import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { ProducerConfig } from '../producer.config';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';

/** The ingestor over the app's Redis and the BullMQ blocks queue. */
@Module({
  providers: [
    {
      provide: FileIngestor,
      inject: [REDIS, StoreKeys, getQueueToken(BLOCKS_QUEUE), ConfigService],
      useFactory: (redis: Redis, keys: StoreKeys, queue: Queue, config: ConfigService<ProducerConfig, true>) =>
        new FileIngestor(redis, keys, new BullBlockQueue(queue), config.get('REORG_WINDOW')),
    },
  ],
  exports: [FileIngestor],
})
export class IngestModule {}
