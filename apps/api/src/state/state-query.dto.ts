import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsDefined, IsIn, IsOptional } from 'class-validator';
import { IsBlockNumber, IsFileName } from '../errors/validation';

export class StateQueryDto {
  @ApiProperty({ description: 'The name the file was ingested under', example: 'blocks.json' })
  @IsDefined({ message: 'is required' })
  @IsFileName()
  fileName!: string;

  @ApiProperty({ description: 'A block number, or "latest" for processedThrough', example: '2' })
  @IsDefined({ message: 'is required' })
  @IsBlockNumber({ allowLatest: true })
  blockNumber!: string;

  @ApiPropertyOptional({ description: 'Include removed operators and validators', enum: ['true', 'false'] })
  @IsOptional()
  @IsIn(['true', 'false'], { message: (args) => `must be "true" or "false", got ${JSON.stringify(args.value)}` })
  includeRemoved?: string;
}
