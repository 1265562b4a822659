import type { INestApplicationContext } from '@nestjs/common';
import { ConfigError, loadConfig } from './config';

/** A stopping app that has not finished by then is killed: its jobs go back to the queue anyway. */
const SHUTDOWN_DEADLINE_MS = 15_000;

/** What `start` may return for a long-running app that has work to finish before it closes. */
export interface RunningApp {
  app: INestApplicationContext;
  /**
   * Runs first on SIGTERM or SIGINT, while the app (and its Redis) is still open: the API drains
   * its HTTP requests here. It must end well within the deadline.
   */
  beforeClose: (signal: NodeJS.Signals) => Promise<void>;
}

function isRunningApp(value: INestApplicationContext | RunningApp): value is RunningApp {
  return typeof (value as Partial<RunningApp>).beforeClose === 'function';
}

/**
 * Runs an app's entry point. Settings are checked before anything starts (a bad one is one line
 * on stderr and exit code 2). A long-running app (one `start` returns) stops on SIGTERM or
 * SIGINT: its `beforeClose` runs (if it has one), then its shutdown hooks finish or hand back
 * in-flight work and close Redis, and the process exits 0 (1 if that took longer than the
 * deadline, the last resort).
 */
export async function runMain<T extends object>(
  configType: new () => T,
  start: (config: T) => Promise<INestApplicationContext | RunningApp | void>,
): Promise<void> {
  let config: T;
  try {
    config = loadConfig(configType);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  let app: INestApplicationContext | RunningApp | void;
  try {
    app = await start(config);
  } catch (error) {
    // A command's own failure, or a service that could not start: one line, not a stack dump.
    process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  }
  if (!app) return;
  const running = isRunningApp(app) ? app.app : app;
  const beforeClose = isRunningApp(app) ? app.beforeClose : undefined;
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    const deadline = setTimeout(() => {
      process.stderr.write(`still stopping after ${SHUTDOWN_DEADLINE_MS} ms (${signal}): exiting anyway\n`);
      process.exit(1);
    }, SHUTDOWN_DEADLINE_MS);
    deadline.unref();
    Promise.resolve()
      .then(() => beforeClose?.(signal))
      .then(() => running.close())
      .then(() => process.exit(0))
      .catch((error: unknown) => {
        process.stderr.write(`error while stopping: ${error instanceof Error ? error.message : String(error)}\n`);
        process.exit(1);
      });
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}
