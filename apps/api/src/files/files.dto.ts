import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsDefined, IsOptional } from 'class-validator';
import { IsBlockNumber, IsFileName } from '../errors/validation';

export class FileNameParamDto {
  @ApiProperty({ example: 'blocks.json' })
  @IsDefined({ message: 'is required' })
  @IsFileName()
  fileName!: string;
}

export class RejectionsQueryDto {
  @ApiPropertyOptional({ description: 'First block to include', example: '0' })
  @IsOptional()
  @IsBlockNumber()
  fromBlock?: string;

  @ApiPropertyOptional({ description: 'Last block to include', example: '100' })
  @IsOptional()
  @IsBlockNumber()
  toBlock?: string;
}

export class RejectionDto {
  @ApiProperty({ example: 2 }) blockNumber!: number;
  @ApiProperty({ example: 1, description: 'Position of the event in its block' }) index!: number;
  @ApiProperty({ example: 'ValidatorAdded', description: 'The event type as given (null when the event had none)', nullable: true }) type!: unknown;
  @ApiProperty({ example: 'InvalidOperatorIdsLength' }) code!: string;
  @ApiProperty({ example: 'a committee has 4, 7, 10 or 13 operators, not 3' }) message!: string;
}

export class RejectionsDto {
  @ApiProperty({ example: 'blocks.json' }) fileName!: string;
  @ApiProperty({ nullable: true, type: Number }) fromBlock!: number | null;
  @ApiProperty({ nullable: true, type: Number }) toBlock!: number | null;
  @ApiProperty({ example: 3 }) count!: number;
  @ApiProperty({ type: [RejectionDto] }) rejections!: RejectionDto[];
}
