import { Controller, Get, Query } from '@nestjs/common';
import { ApiBadRequestResponse, ApiConflictResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ErrorBodyDto } from '../errors/error-body.dto';
import { StateQueryDto } from './state-query.dto';
import { StateResponseDto } from './state-response.dto';
import { StateService } from './state.service';

@ApiTags('state')
@Controller('state')
export class StateController {
  constructor(private readonly state: StateService) {}

  @Get()
  @ApiOperation({ summary: 'The registry as of a block of a file', description: 'Operators, validators, clusters and accounts after every block of the file numbered ≤ blockNumber.' })
  @ApiOkResponse({ type: StateResponseDto })
  @ApiBadRequestResponse({ type: ErrorBodyDto, description: 'invalid_parameter: a missing or malformed parameter' })
  @ApiNotFoundResponse({ type: ErrorBodyDto, description: 'file_not_found, or block_beyond_end for a block past the end of a fully processed file' })
  @ApiConflictResponse({ type: ErrorBodyDto, description: 'block_not_processed_yet: the file is still being processed; file_stopped' })
  stateAt(@Query() query: StateQueryDto): Promise<StateResponseDto> {
    return this.state.stateAt(query);
  }
}
