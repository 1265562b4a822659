import 'reflect-metadata';
import { runMain } from '@bqm/platform';
import { NestFactory } from '@nestjs/core';
import { Logger } from 'nestjs-pino';
import { AppModule } from './app.module';
import { ConsumerConfig } from './consumer.config';
import { HeartbeatService } from './heartbeat/heartbeat.service';

/** A consumer: takes block jobs from the queue and applies them. Run as many as you like. */
runMain(ConsumerConfig, async (config) => {
  const app = await NestFactory.createApplicationContext(AppModule.forRoot(config), { bufferLogs: true });
  app.useLogger(app.get(Logger));
  app.get(Logger).log(`consumer ${app.get(HeartbeatService).id} started (concurrency ${config.CONSUMER_CONCURRENCY})`);
  return app;
});
