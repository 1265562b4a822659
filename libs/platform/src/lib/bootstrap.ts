import type { INestApplicationContext } from '@nestjs/common';
import { ConfigError, loadConfig } from './config';

/** A stopping app that has not finished by then is killed: its jobs go back to the queue anyway. */
const SHUTDOWN_DEADLINE_MS = 15_000;
/**
 * A start normally takes a second or two; one still going this long after a stop signal is
 * waiting for Redis, with nothing under way that a stop could lose.
 */
const START_STOP_GRACE_MS = 5_000;

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
 * on stderr and exit code 2). A service (one whose `start` returns its app) stops on SIGTERM or
 * SIGINT: its `beforeClose` runs (if it has one), then its shutdown hooks finish or hand back
 * in-flight work and close Redis, and the process exits 0 (1 if that took longer than the
 * deadline, the last resort). A signal that arrives while the service is still starting (an
 * orchestrator stopping it at once, Ctrl-C during a slow start) is kept and acted on as soon as it
 * has started, so that even then nothing is left half-done; a start stuck for seconds (Redis not
 * answering) is given up with exit 1. A command (`service: false`) handles its own signals.
 */
export async function runMain<T extends object>(
  configType: new () => T,
  start: (config: T) => Promise<INestApplicationContext | RunningApp | void>,
  { service = true }: { service?: boolean } = {},
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
  // Set once the start is done; until then a stop signal is only noted.
  let started: RunningApp | undefined = undefined;
  let stopSignal: NodeJS.Signals | undefined;
  let startGiveUp: NodeJS.Timeout | undefined;
  const close = ({ app, beforeClose }: RunningApp, signal: NodeJS.Signals) =>
    Promise.resolve()
      .then(() => beforeClose(signal))
      .then(() => app.close())
      .then(() => process.exit(0))
      .catch((error: unknown) => {
        process.stderr.write(`error while stopping: ${error instanceof Error ? error.message : String(error)}\n`);
        process.exit(1);
      });
  const stop = (signal: NodeJS.Signals) => {
    if (stopSignal) return;
    stopSignal = signal;
    const deadline = setTimeout(() => {
      process.stderr.write(`still stopping after ${SHUTDOWN_DEADLINE_MS} ms (${signal}): exiting anyway\n`);
      process.exit(1);
    }, SHUTDOWN_DEADLINE_MS);
    deadline.unref();
    if (started) {
      void close(started, signal);
      return;
    }
    startGiveUp = setTimeout(() => {
      process.stderr.write(`stopped by ${signal} while still starting (after ${START_STOP_GRACE_MS} ms; is Redis answering?)\n`);
      process.exit(1);
    }, START_STOP_GRACE_MS);
    startGiveUp.unref();
  };
  if (service) {
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  }
  let app: INestApplicationContext | RunningApp | void;
  try {
    app = await start(config);
  } catch (error) {
    // A command's own failure, or a service that could not start: one line, not a stack dump.
    process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  }
  if (!app) {
    process.off('SIGTERM', stop);
    process.off('SIGINT', stop);
    return;
  }
  started = isRunningApp(app) ? app : { app, beforeClose: async () => undefined };
  clearTimeout(startGiveUp);
  if (stopSignal) void close(started, stopSignal);
}
