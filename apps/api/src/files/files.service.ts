import { Rejection } from '@bqm/domain';
import { coverageEnd, FileMeta, isComplete, StateReader } from '@bqm/store';
import { HttpStatus, Injectable } from '@nestjs/common';
import { ApiError } from '../errors/api-error';

/** Finds files and decides whether a block of one can be answered yet. */
@Injectable()
export class FilesService {
  constructor(private readonly reader: StateReader) {}

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
  answerableBlock(meta: FileMeta, requested: number | 'latest'): number {
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
    const progress =
      processed === null
        ? 'no block of it is applied yet'
        : `it is processed through block ${processed}${end !== null ? ` of ${end}` : ''}${meta.sealed ? '' : ' so far (the file is still growing)'}`;
    throw new ApiError(
      HttpStatus.CONFLICT,
      'block_not_processed_yet',
      `${meta.fileName} is still being processed and cannot answer ${asked} yet: ${progress}`,
      facts,
    );
  }

  rejections(fileName: string, fromBlock?: number, toBlock?: number): Promise<Rejection[]> {
    return this.reader.rejections(fileName, fromBlock, toBlock);
  }
}
