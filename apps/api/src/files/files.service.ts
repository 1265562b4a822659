import { Rejection } from '@bqm/domain';
import { REDIS } from '@bqm/platform';
import { BLOCKS_QUEUE, BullBlockQueue, coverageEnd, FileMeta, isComplete, StateReader, StoreKeys } from '@bqm/store';
import { InjectQueue } from '@nestjs/bullmq';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import { ApiError } from '../errors/api-error';

/** Finds files and decides whether a block of one can be answered yet. */
@Injectable()
export class FilesService {
  constructor(
    private readonly reader: StateReader,
    @InjectQueue(BLOCKS_QUEUE) private readonly queue: Queue,
    @Inject(REDIS) private readonly redis: Redis,
    private readonly keys: StoreKeys,
  ) {}

  list(): Promise<FileMeta[]> {
    return this.reader.listFiles();
  }

  async require(fileName: string): Promise<FileMeta> {
    const meta = await this.reader.fileMeta(fileName);
    if (!meta) {
      throw new ApiError(HttpStatus.NOT_FOUND, 'file_not_found', `no file named "${fileName}" has been ingested`, { fileName });
    }
    return meta;
  }

  /**
   * The block a state query may be answered for: at most `processedThrough`. Past it, a file
   * still being processed answers 409 (try later), a complete one 404 (it ends earlier).
   */
  async answerableBlock(meta: FileMeta, requested: number | 'latest'): Promise<number> {
    const processed = meta.processedThrough;
    if (requested !== 'latest' && processed !== null && requested <= processed) return requested;
    if (requested === 'latest' && processed !== null) return processed;
    const end = coverageEnd(meta);
    const facts = { fileName: meta.fileName, processedThrough: processed, endBlock: end };
    const asked = requested === 'latest' ? 'the latest block' : `block ${requested}`;
    if (meta.status === 'stopped') {
      throw new ApiError(
        HttpStatus.CONFLICT,
        'file_stopped',
        `${meta.fileName} stopped at block ${processed ?? 'none'} and cannot answer ${asked}: ${meta.error ?? 'see /status'}`,
        facts,
      );
    }
    if (isComplete(meta)) {
      throw new ApiError(
        HttpStatus.NOT_FOUND,
        'block_beyond_end',
        end === null
          ? `${meta.fileName} has no blocks`
          : `${meta.fileName} ends at block ${end}; ${asked} is beyond it`,
        facts,
      );
    }
    const failed = ((await new BullBlockQueue(this.queue).failedBlocks()).get(meta.fileName) ?? []).filter(
      (block) => block.generation === meta.generation,
    );
    if (failed.length > 0) {
      throw new ApiError(
        HttpStatus.CONFLICT,
        'processing_failed',
        `${meta.fileName} is held at block ${processed ?? 'none'} and cannot answer ${asked}: processing of block ${failed[0].blockNumber} failed ` +
          `(${failed[0].reason}); once the cause is fixed, ingest the file again to retry`,
        { ...facts, failedBlocks: failed.map((block) => block.blockNumber) },
      );
    }
    const interrupted = !meta.sealed && meta.source === 'file' && !(await this.redis.exists(this.keys.file(meta.fileName).ingestLock));
    const progress =
      processed === null
        ? 'no block of it is applied yet'
        : `it is processed through block ${processed}${end !== null ? ` of ${end}` : ''}${meta.sealed ? '' : ' so far (the file is still growing)'}`;
    const hint = interrupted ? '; its last ingest did not finish: ingest it again' : '';
    throw new ApiError(
      HttpStatus.CONFLICT,
      'block_not_processed_yet',
      `${meta.fileName} is still being processed and cannot answer ${asked} yet: ${progress}${hint}`,
      facts,
    );
  }

  rejections(fileName: string, fromBlock?: number, toBlock?: number): Promise<Rejection[]> {
    return this.reader.rejections(fileName, fromBlock, toBlock);
  }
}
