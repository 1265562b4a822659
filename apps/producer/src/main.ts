import 'reflect-metadata';
import { redisProblem, runMain } from '@bqm/platform';
import { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Logger } from 'nestjs-pino';
import { AppModule } from './app.module';
import { CliModule } from './cli/cli.module';
import { INGEST_USAGE, parseIngestArgs, runIngest, UsageError } from './cli/ingest.command';
import { ProducerConfig } from './producer.config';
import { parseSimulateArgs, runSimulate, SIMULATE_USAGE } from './simulate/simulate.command';

const USAGE = `usage:
  producer                   run the producer: ingest DATA_DIR's block files, and any added later
  producer ingest <path>     ingest one file (--help for its options)
  producer simulate          write and queue simulated blocks (--help for its options)`;

/** Runs a command: usage mistakes exit 2, an unreachable Redis exits 1 with how to fix it. */
async function command<T>(
  config: ProducerConfig,
  args: string[],
  usage: string,
  parse: (args: string[]) => T,
  run: (app: INestApplicationContext, parsed: T) => Promise<number>,
): Promise<never> {
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(`${usage}\n`);
    process.exit(0);
  }
  let parsed: T;
  try {
    parsed = parse(args);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`${error.message}\n${usage}\n`);
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
    code = await run(app, parsed);
  } finally {
    await app.close();
  }
  process.exit(code);
}

/** The producer: as a service (no arguments), or a command (`ingest`, `simulate`). */
const [name, ...args] = process.argv.slice(2);
runMain(
  ProducerConfig,
  async (config) => {
    switch (name) {
      case undefined: {
        const app = await NestFactory.createApplicationContext(AppModule.forRoot(config), { bufferLogs: true });
        app.useLogger(app.get(Logger));
        return app;
      }
      case 'ingest':
        return command(config, args, INGEST_USAGE, parseIngestArgs, runIngest);
      case 'simulate':
        return command(config, args, SIMULATE_USAGE, parseSimulateArgs, (app, run) => runSimulate(app, config.DATA_DIR, run));
      case '--help':
      case '-h':
      case 'help':
        process.stdout.write(`${USAGE}\n`);
        process.exit(0);
      // eslint-disable-next-line no-fallthrough -- process.exit does not return
      default:
        process.stderr.write(`unknown command "${name}"\n${USAGE}\n`);
        process.exit(2);
    }
  },
  // The commands answer Ctrl-C themselves (an interrupted ingest says how to finish it).
  { service: name === undefined },
);
