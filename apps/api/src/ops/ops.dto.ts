import { ApiProperty } from '@nestjs/swagger';

export class HealthDto {
  @ApiProperty({ example: 'ok' }) status!: string;
  @ApiProperty({ example: 12.5 }) uptimeSeconds!: number;
}

export class ConsumerDto {
  @ApiProperty({ example: 'host-1234' }) id!: string;
  @ApiProperty({ example: 'host' }) host!: string;
  @ApiProperty({ example: 1234 }) pid!: number;
  @ApiProperty({ example: '2026-12-03T16:00:00.000Z' }) startedAt!: string;
  @ApiProperty({ example: '2026-12-03T16:00:05.000Z' }) lastHeartbeatAt!: string;
  @ApiProperty({ example: 16 }) concurrency!: number;
}

export class ReadyDto {
  @ApiProperty({ example: 'ready', enum: ['ready', 'not_ready'] }) status!: string;
  @ApiProperty({ example: 'ok', description: '"ok", or why Redis does not answer' }) redis!: string;
  @ApiProperty({ type: [ConsumerDto] }) consumers!: ConsumerDto[];
  @ApiProperty({ type: [String], example: [], description: 'Why the system is not ready' }) problems!: string[];
}

export class FileStatusDto {
  @ApiProperty({ example: 'blocks.json' }) fileName!: string;
  @ApiProperty({ example: 9, nullable: true, type: Number }) processedThrough!: number | null;
  @ApiProperty({ example: 9, nullable: true, type: Number }) endBlock!: number | null;
  @ApiProperty({ example: 6, description: 'Blocks ingested, each queued as a job' }) blocksQueued!: number;
  @ApiProperty({ example: 6 }) blocksApplied!: number;
  @ApiProperty({ example: 0, description: 'Blocks whose job failed for good' }) blocksFailed!: number;
  @ApiProperty({ example: 0, description: 'Blocks ingested and not applied yet' }) lag!: number;
  @ApiProperty({ example: 13 }) eventsApplied!: number;
  @ApiProperty({ example: 3 }) eventsRejected!: number;
  @ApiProperty({ example: true }) complete!: boolean;
  @ApiProperty({ example: 'active', enum: ['active', 'stopped'] }) status!: string;
  @ApiProperty({ example: null, nullable: true, type: String }) error!: string | null;
  @ApiProperty({ example: 0, description: 'Chain reorganisations taken' }) reorgs!: number;
  @ApiProperty({ example: false, description: 'Applied blocks were taken back by a reorganisation and are not undone yet' }) rewindPending!: boolean;
}

export class StatusDto {
  @ApiProperty({ example: { waiting: 0, active: 0, delayed: 0, failed: 0, completed: 6 }, description: 'Jobs of the blocks queue by state' })
  queue!: Record<string, number>;
  @ApiProperty({ example: 1 }) consumers!: number;
  @ApiProperty({ type: [FileStatusDto] }) files!: FileStatusDto[];
}
