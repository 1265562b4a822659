import { ConsumerMetrics, REDIS } from '@bqm/platform';
import { ConsumerHeartbeats, HEARTBEAT_INTERVAL_MS, StoreKeys } from '@bqm/store';
import { BeforeApplicationShutdown, Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { Redis } from 'ioredis';
import { PinoLogger } from 'nestjs-pino';
import { hostname } from 'node:os';
import { ConsumerConfig } from '../consumer.config';

/** Tells the API this consumer is alive (GET /ready lists it) and hands it its metrics. */
@Injectable()
export class HeartbeatService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  readonly id = `${hostname()}-${process.pid}`;
  private readonly startedAt = Date.now();
  private timer?: NodeJS.Timeout;
  private readonly heartbeats: ConsumerHeartbeats;

  constructor(
    @Inject(REDIS) redis: Redis,
    keys: StoreKeys,
    private readonly metrics: ConsumerMetrics,
    private readonly config: ConfigService<ConsumerConfig, true>,
    private readonly logger: PinoLogger,
  ) {
    this.heartbeats = new ConsumerHeartbeats(redis, keys);
    this.logger.setContext(HeartbeatService.name);
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.beat();
    this.timer = setInterval(() => {
      this.beat().catch((error: unknown) => this.logger.warn({ err: error }, 'heartbeat failed'));
    }, HEARTBEAT_INTERVAL_MS);
  }

  /** Before Redis closes: the API stops counting this consumer at once. */
  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.heartbeats.remove(this.id).catch(() => undefined);
  }

  private async beat(): Promise<void> {
    await this.heartbeats.beat({
      id: this.id,
      host: hostname(),
      pid: process.pid,
      startedAt: this.startedAt,
      beatAt: Date.now(),
      concurrency: this.config.get('CONSUMER_CONCURRENCY'),
      metrics: await this.metrics.registry.getMetricsAsJSON(),
    });
  }
}
