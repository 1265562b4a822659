import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiBadRequestResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiError } from '../errors/api-error';
import { ErrorBodyDto } from '../errors/error-body.dto';
import { NoQueryDto } from '../errors/validation';
import { FileNameParamDto, RejectionsDto, RejectionsQueryDto } from './files.dto';
import { FileSummaryDto } from './file-summary.dto';
import { FilesService } from './files.service';

@ApiTags('files')
@Controller('files')
export class FilesController {
  constructor(private readonly files: FilesService) {}

  @Get()
  @ApiOperation({ summary: 'Every ingested file with its progress' })
  @ApiOkResponse({ type: [FileSummaryDto] })
  @ApiBadRequestResponse({ type: ErrorBodyDto, description: 'invalid_parameter: this endpoint takes no parameter' })
  async list(@Query() _query: NoQueryDto): Promise<FileSummaryDto[]> {
    return (await this.files.list()).map(FileSummaryDto.of);
  }

  @Get(':fileName')
  @ApiOperation({ summary: "One file's blocks, progress and event counts" })
  @ApiOkResponse({ type: FileSummaryDto })
  @ApiBadRequestResponse({ type: ErrorBodyDto, description: 'invalid_parameter' })
  @ApiNotFoundResponse({ type: ErrorBodyDto, description: 'file_not_found' })
  async get(@Param() { fileName }: FileNameParamDto, @Query() _query: NoQueryDto): Promise<FileSummaryDto> {
    return FileSummaryDto.of(await this.files.require(fileName));
  }

  @Get(':fileName/rejections')
  @ApiOperation({ summary: "A file's rejected events, in block and event order" })
  @ApiOkResponse({ type: RejectionsDto })
  @ApiBadRequestResponse({ type: ErrorBodyDto, description: 'invalid_parameter' })
  @ApiNotFoundResponse({ type: ErrorBodyDto, description: 'file_not_found' })
  async rejections(@Param() { fileName }: FileNameParamDto, @Query() query: RejectionsQueryDto): Promise<RejectionsDto> {
    await this.files.require(fileName);
    const fromBlock = query.fromBlock === undefined ? null : Number(query.fromBlock);
    const toBlock = query.toBlock === undefined ? null : Number(query.toBlock);
    if (fromBlock !== null && toBlock !== null && fromBlock > toBlock) {
      throw ApiError.badRequest(`fromBlock (${fromBlock}) must not be after toBlock (${toBlock})`, { fields: { fromBlock: 'is after toBlock' } });
    }
    const rejections = await this.files.rejections(fileName, fromBlock ?? undefined, toBlock ?? undefined);
    return { fileName, fromBlock, toBlock, count: rejections.length, rejections };
  }
}
