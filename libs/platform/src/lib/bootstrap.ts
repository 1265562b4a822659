import { ConfigError, loadConfig } from './config';

/**
 * Runs an app's entry point: settings are checked before anything starts (a bad one is one
 * line on stderr and exit code 2), and a failure to start is reported without a stack dump
 * when it is one a person can act on.
 */
export async function runMain<T extends object>(
  configType: new () => T,
  start: (config: T) => Promise<void>,
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
  try {
    await start(config);
  } catch (error) {
    process.stderr.write(`failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  }
}
