import { BLOCKS_QUEUE, ConsumerHeartbeat } from '@bqm/store';
import { Controller, Get, Header, HttpStatus, Query, Res } from '@nestjs/common';
import { ApiBadRequestResponse, ApiOkResponse, ApiOperation, ApiProduces, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { AggregatorRegistry, Registry } from 'prom-client';
import { ErrorBodyDto } from '../errors/error-body.dto';
import { NoQueryDto } from '../errors/validation';
import { ApiMetrics } from './api-metrics';
import { HealthDto, ReadyDto, StatusDto } from './ops.dto';
import { StatusService } from './status.service';

const toConsumer = (beat: ConsumerHeartbeat) => ({
  id: beat.id,
  host: beat.host,
  pid: beat.pid,
  startedAt: new Date(beat.startedAt).toISOString(),
  lastHeartbeatAt: new Date(beat.beatAt).toISOString(),
  concurrency: beat.concurrency,
});

@ApiTags('operations')
@Controller()
export class OpsController {
  constructor(
    private readonly status: StatusService,
    private readonly metrics: ApiMetrics,
  ) {}

  @Get('health')
  @ApiOperation({ summary: 'The API process is alive' })
  @ApiOkResponse({ type: HealthDto })
  health(): HealthDto {
    return { status: 'ok', uptimeSeconds: Math.round(process.uptime() * 10) / 10 };
  }

  @Get('ready')
  @ApiOperation({ summary: 'Redis answers and at least one consumer is alive (each keeps a heartbeat); lists the consumers' })
  @ApiOkResponse({ type: ReadyDto })
  @ApiServiceUnavailableResponse({ type: ReadyDto, description: 'not_ready, with the problems' })
  async ready(@Res({ passthrough: true }) response: Response): Promise<ReadyDto> {
    const redisProblem = await this.status.redisProblem();
    const consumers = redisProblem ? [] : await this.status.consumers();
    const problems = [
      ...(redisProblem ? [`Redis does not answer: ${redisProblem}`] : []),
      ...(!redisProblem && consumers.length === 0 ? ['no consumer is alive: blocks are not being applied'] : []),
    ];
    response.status(problems.length ? HttpStatus.SERVICE_UNAVAILABLE : HttpStatus.OK);
    return { status: problems.length ? 'not_ready' : 'ready', redis: redisProblem ?? 'ok', consumers: consumers.map(toConsumer), problems };
  }

  @Get('status')
  @ApiOperation({ summary: "Each file's progress, the queue's counts and the number of live consumers" })
  @ApiOkResponse({ type: StatusDto })
  @ApiBadRequestResponse({ type: ErrorBodyDto, description: 'invalid_parameter: this endpoint takes no parameter' })
  async statusReport(@Query() _query: NoQueryDto): Promise<StatusDto> {
    const [queue, consumers, files] = await Promise.all([this.status.queueCounts(), this.status.consumers(), this.status.files()]);
    return { queue, consumers: consumers.length, files };
  }

  @Get('metrics')
  @Header('Cache-Control', 'no-store')
  @ApiOperation({ summary: 'Prometheus metrics of the API and, added up, of every live consumer' })
  @ApiProduces('text/plain')
  @ApiOkResponse({ description: 'Prometheus text exposition format', type: String })
  async metricsText(@Res() response: Response): Promise<void> {
    const [queue, consumers, files, counters] = await Promise.all([
      this.status.queueCounts(),
      this.status.consumers(),
      this.status.files(),
      this.status.counters(),
    ]);
    const m = this.metrics;
    m.setCounters(counters);
    m.queueJobs.reset();
    for (const [state, count] of Object.entries(queue)) m.queueJobs.set({ queue: BLOCKS_QUEUE, state }, count);
    m.consumersAlive.set(consumers.length);
    for (const gauge of [m.fileBlocksApplied, m.fileEventsApplied, m.fileEventsRejected, m.fileBlocksFailed, m.fileLag, m.fileProcessedThrough]) gauge.reset();
    for (const file of files) {
      const labels = { file: file.fileName };
      m.fileBlocksApplied.set(labels, file.blocksApplied);
      m.fileEventsApplied.set(labels, file.eventsApplied);
      m.fileEventsRejected.set(labels, file.eventsRejected);
      m.fileBlocksFailed.set(labels, file.blocksFailed);
      m.fileLag.set(labels, file.lag);
      if (file.processedThrough !== null) m.fileProcessedThrough.set(labels, file.processedThrough);
    }
    const consumerMetrics = consumers.map((beat) => beat.metrics).filter((metrics) => Array.isArray(metrics));
    const registries: Registry[] = [m.registry];
    if (consumerMetrics.length) registries.push(AggregatorRegistry.aggregate(consumerMetrics as Parameters<typeof AggregatorRegistry.aggregate>[0]));
    const text = (await Promise.all(registries.map((registry) => registry.metrics()))).join('\n');
    response.type(m.registry.contentType).send(text);
  }
}
