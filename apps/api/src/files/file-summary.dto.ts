import { coverageEnd, FileMeta, isComplete } from '@bqm/store';
import { ApiProperty } from '@nestjs/swagger';

/** What the API tells of a file. */
export class FileSummaryDto {
  @ApiProperty({ example: 'blocks.json' }) fileName!: string;
  @ApiProperty({ example: 'json', description: 'json, ndjson or logs' }) format!: string;
  @ApiProperty({ example: 6, description: 'Blocks listed in the file' }) blocks!: number;
  @ApiProperty({ example: 1, nullable: true, type: Number }) firstBlock!: number | null;
  @ApiProperty({ example: 9, nullable: true, type: Number }) lastBlock!: number | null;
  @ApiProperty({ example: null, nullable: true, type: Number, description: 'Declared coverage (object shape)' }) toBlock!: number | null;
  @ApiProperty({ example: 9, nullable: true, type: Number, description: 'Last block the file covers: lastBlock or toBlock' }) endBlock!: number | null;
  @ApiProperty({ example: 9, nullable: true, type: Number, description: 'Every block of the file numbered ≤ this is applied' }) processedThrough!: number | null;
  @ApiProperty({ example: true, description: 'Ingested whole and every block applied' }) complete!: boolean;
  @ApiProperty({ example: 'active', enum: ['active', 'stopped'] }) status!: string;
  @ApiProperty({ example: null, nullable: true, type: String, description: 'Why the file stopped' }) error!: string | null;
  @ApiProperty({ example: 6 }) blocksApplied!: number;
  @ApiProperty({ example: 14 }) eventsApplied!: number;
  @ApiProperty({ example: 3 }) eventsRejected!: number;
  @ApiProperty({ example: 0, description: 'Chain reorganisations taken' }) reorgs!: number;
  @ApiProperty({ example: null, nullable: true, type: Number, description: 'First block replaced by the last reorganisation' }) lastReorgBlock!: number | null;
  @ApiProperty({ example: 64, description: 'How many recent applied blocks a reorganisation may replace' }) reorgWindow!: number;
  @ApiProperty({ example: null, nullable: true, type: Number, description: 'Raw-log files: logs that were not SSV network events (or not of the given addresses)' })
  ignoredLogs!: number | null;
  @ApiProperty({ example: '2026-12-03T16:00:00.000Z' }) ingestedAt!: string;
  @ApiProperty({ example: '2026-12-03T16:00:01.000Z' }) updatedAt!: string;

  static of(meta: FileMeta): FileSummaryDto {
    return {
      fileName: meta.fileName,
      format: meta.format,
      blocks: meta.blockCount,
      firstBlock: meta.firstBlock,
      lastBlock: meta.lastBlock,
      toBlock: meta.toBlock,
      endBlock: coverageEnd(meta),
      processedThrough: meta.processedThrough,
      complete: isComplete(meta),
      status: meta.status,
      error: meta.error,
      blocksApplied: meta.blocksApplied,
      eventsApplied: meta.eventsApplied,
      eventsRejected: meta.eventsRejected,
      reorgs: meta.reorgs,
      lastReorgBlock: meta.lastReorgBlock,
      reorgWindow: meta.reorgWindow,
      ignoredLogs: meta.ignoredLogs,
      ingestedAt: new Date(meta.createdAt).toISOString(),
      updatedAt: new Date(meta.updatedAt).toISOString(),
    };
  }
}
