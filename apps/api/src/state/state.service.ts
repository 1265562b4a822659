import { StateMovedError, StateReader } from '@bqm/store';
import { HttpStatus, Injectable } from '@nestjs/common';
import { ApiError } from '../errors/api-error';
import { FilesService } from '../files/files.service';
import { StateQueryDto } from './state-query.dto';
import { StateResponseDto } from './state-response.dto';

const READ_ATTEMPTS = 3;

@Injectable()
export class StateService {
  constructor(
    private readonly files: FilesService,
    private readonly reader: StateReader,
  ) {}

  async stateAt(query: StateQueryDto): Promise<StateResponseDto> {
    const requested = query.blockNumber === 'latest' ? 'latest' : Number(query.blockNumber);
    for (let attempt = 1; ; attempt++) {
      const meta = await this.files.require(query.fileName);
      const blockNumber = await this.files.answerableBlock(meta, requested);
      try {
        const collections = await this.reader.stateAt(meta, blockNumber, query.includeRemoved === 'true');
        return { fileName: meta.fileName, blockNumber, processedThrough: meta.processedThrough, ...collections };
      } catch (error) {
        // A reorganisation or a replace moved the file under the read: read it again as it is now.
        if (!(error instanceof StateMovedError)) throw error;
        if (attempt >= READ_ATTEMPTS) {
          throw new ApiError(HttpStatus.CONFLICT, 'state_changed', `${error.message}; try again`, { fileName: meta.fileName });
        }
      }
    }
  }
}
