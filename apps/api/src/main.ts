import 'reflect-metadata';
import { runMain } from '@bqm/platform';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { Logger } from 'nestjs-pino';
import { ApiConfig } from './api.config';
import { AppModule } from './app.module';
import { AllExceptionsFilter } from './errors/all-exceptions.filter';
import { validationPipe } from './errors/validation';

/** The API: the registry state as of any block, the files, and the operational endpoints. */
runMain(ApiConfig, async (config) => {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config), { bufferLogs: true });
  app.useLogger(app.get(Logger));
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
  return app;
});
