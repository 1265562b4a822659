import { Injectable, NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** The API's own metrics; gauges are filled from Redis when /metrics is scraped. */
@Injectable()
export class ApiMetrics {
  readonly registry = new Registry();
  readonly requestSeconds = new Histogram({
    name: 'bqm_http_request_duration_seconds',
    help: 'API request latency, by route and status',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });
  readonly queueJobs = new Gauge({ name: 'bqm_queue_jobs', help: 'Jobs in the queue, by state', labelNames: ['queue', 'state'], registers: [this.registry] });
  readonly jobs = new Counter({ name: 'bqm_jobs_total', help: 'Block jobs finished by consumers, by outcome (applied, delegated, superseded, failed, returned)', labelNames: ['outcome'], registers: [this.registry] });
  readonly rollbacks = new Counter({ name: 'bqm_rollbacks_total', help: 'Chain reorganisations undone by consumers', registers: [this.registry] });
  readonly consumersAlive = new Gauge({ name: 'bqm_consumers_alive', help: 'Consumers with a recent heartbeat', registers: [this.registry] });
  readonly fileBlocksApplied = new Gauge({ name: 'bqm_file_blocks_applied', help: 'Blocks applied, per file', labelNames: ['file'], registers: [this.registry] });
  readonly fileEventsApplied = new Gauge({ name: 'bqm_file_events_applied', help: 'Events accepted, per file', labelNames: ['file'], registers: [this.registry] });
  readonly fileEventsRejected = new Gauge({ name: 'bqm_file_events_rejected', help: 'Events rejected, per file', labelNames: ['file'], registers: [this.registry] });
  readonly fileBlocksFailed = new Gauge({ name: 'bqm_file_blocks_failed', help: 'Blocks whose job failed for good, per file', labelNames: ['file'], registers: [this.registry] });
  readonly fileLag = new Gauge({ name: 'bqm_file_lag_blocks', help: 'Blocks ingested and not applied yet, per file', labelNames: ['file'], registers: [this.registry] });
  readonly fileProcessedThrough = new Gauge({ name: 'bqm_file_processed_through', help: 'processedThrough, per file', labelNames: ['file'], registers: [this.registry] });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'bqm_api_' });
  }

  /** Sets the counters kept in Redis (prom-client counters only go up by `inc`, so reset first). */
  setCounters(counters: Record<string, number>): void {
    this.jobs.reset();
    this.rollbacks.reset();
    for (const [name, value] of Object.entries(counters)) {
      if (name.startsWith('jobs:')) this.jobs.inc({ outcome: name.slice('jobs:'.length) }, value);
      else if (name === 'rollbacks') this.rollbacks.inc(value);
    }
  }
}

/** Times every request, including those Nest does not route (the dashboard, unknown paths). */
@Injectable()
export class RequestTimingMiddleware implements NestMiddleware {
  constructor(private readonly metrics: ApiMetrics) {}

  use(request: Request, response: Response, next: NextFunction): void {
    const stop = this.metrics.requestSeconds.startTimer();
    response.on('finish', () => {
      const route = request.route?.path
        ? `${request.baseUrl}${request.route.path}`
        : request.originalUrl.startsWith('/queues')
          ? '/queues'
          : 'unmatched';
      stop({ method: request.method, route, status: String(response.statusCode) });
    });
    next();
  }
}
