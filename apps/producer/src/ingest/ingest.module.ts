import { FileIngestor } from '@bqm/ingest';
import { REDIS } from '@bqm/platform';
import { BLOCKS_QUEUE, BullBlockQueue, StoreKeys } from '@bqm/store';
import { getQueueToken } from '@nestjs/bullmq';
import { Module } from '@nestjs/common';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';

/** The ingestor over the app's Redis and the BullMQ blocks queue. */
@Module({
  providers: [
    {
      provide: FileIngestor,
      inject: [REDIS, StoreKeys, getQueueToken(BLOCKS_QUEUE)],
      useFactory: (redis: Redis, keys: StoreKeys, queue: Queue) => new FileIngestor(redis, keys, new BullBlockQueue(queue)),
    },
  ],
  exports: [FileIngestor],
})
export class IngestModule {}
