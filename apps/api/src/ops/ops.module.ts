import { MiddlewareConsumer, Module, NestModule } from '@nestjs/common';
import { ApiMetrics, RequestTimingMiddleware } from './api-metrics';
import { OpsController } from './ops.controller';
import { StatusService } from './status.service';

/** Health, readiness, status and metrics: what an operator watches. */
@Module({ controllers: [OpsController], providers: [StatusService, ApiMetrics, RequestTimingMiddleware] })
export class OpsModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(RequestTimingMiddleware).forRoutes('*path');
  }
}
