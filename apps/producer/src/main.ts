import 'reflect-metadata';
import { redisProblem, runMain } from '@bqm/platform';
import { NestFactory } from '@nestjs/core';
import { Logger } from 'nestjs-pino';
import { AppModule } from './app.module';
import { CliModule } from './cli/cli.module';
import { INGEST_USAGE, parseIngestArgs, runIngest, UsageError } from './cli/ingest.command';
import { ProducerConfig } from './producer.config';

const USAGE = `usage:
  producer                 run the producer: ingest DATA_DIR's block files, and any added later
  producer ingest <path>   ingest one file (npm run ingest -- <path> --help)`;

/** The producer: as a service (no arguments), or a command (`ingest`). */
runMain(ProducerConfig, async (config) => {
  const [command, ...args] = process.argv.slice(2);
  if (command === undefined) {
    const app = await NestFactory.createApplicationContext(AppModule.forRoot(config), { bufferLogs: true });
    app.useLogger(app.get(Logger));
    return app;
  }
  if (command === 'ingest') {
    if (args.includes('--help') || args.includes('-h')) {
      process.stdout.write(`${INGEST_USAGE}\n`);
      return;
    }
    let parsed;
    try {
      parsed = parseIngestArgs(args);
    } catch (error) {
      if (!(error instanceof UsageError)) throw error;
      process.stderr.write(`${error.message}\n${INGEST_USAGE}\n`);
      process.exit(2);
    }
    const unreachable = await redisProblem(config.REDIS_URL);
    if (unreachable) {
      process.stderr.write(`${unreachable}\nstart Redis, or set REDIS_URL to where it runs\n`);
      process.exit(1);
    }
    const app = await NestFactory.createApplicationContext(CliModule.forRoot(config), { logger: ['error', 'warn'] });
    let code = 1;
    try {
      code = await runIngest(app, parsed);
    } finally {
      await app.close();
    }
    process.exit(code);
  }
  process.stderr.write(`unknown command "${command}"\n${USAGE}\n`);
  process.exit(2);
});
