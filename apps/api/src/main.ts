import 'reflect-metadata';
import { HttpDrain, runMain } from '@bqm/platform';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { Logger } from 'nestjs-pino';
import { ApiConfig } from './api.config';
import { AppModule } from './app.module';
import { AllExceptionsFilter } from './errors/all-exceptions.filter';
import { refuseWhileShuttingDown } from './errors/shutting-down';
import { validationPipe } from './errors/validation';

/** The API: the registry state as of any block, the files, and the operational endpoints. */
runMain(ApiConfig, async (config) => {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config), { bufferLogs: true });
  app.useLogger(app.get(Logger));
  // On the signal: no new connections, requests in flight finish while Redis is still open (or are
  // cut off at SHUTDOWN_DRAIN_MS), later requests on open connections get 503 shutting_down; then
  // the app closes (Redis).
  const drain = new HttpDrain(app.getHttpServer(), { deadlineMs: config.SHUTDOWN_DRAIN_MS, refuse: refuseWhileShuttingDown });
  // A state is megabytes of JSON: hashing every answer for an ETag costs more than it saves.
  app.set('etag', false);
  app.useGlobalPipes(validationPipe);
  app.useGlobalFilters(new AllExceptionsFilter());
  const openApi = new DocumentBuilder()
    .setTitle('Block Queue Manager')
    .setDescription('The SSV network registry as of any block of an ingested file, the files, and the operational endpoints. Every error answers `{ error, message }` with a stable `error` code.')
    .setVersion('1')
    .build();
  SwaggerModule.setup('docs', app, SwaggerModule.createDocument(app, openApi), { jsonDocumentUrl: 'docs/openapi.json' });
  await app.listen(config.PORT, config.HOST);
  app.get(Logger).log(`api listening on http://${config.HOST === '0.0.0.0' ? '127.0.0.1' : config.HOST}:${config.PORT}`);
  return {
    app,
    beforeClose: async () => {
      await drain.drain();
    },
  };
});
