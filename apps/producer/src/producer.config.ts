import { BaseConfig, booleanSetting, intSetting, numberSetting, optionalIntSetting } from '@bqm/platform';
import { IsString, Matches, MinLength, ValidateBy } from 'class-validator';
import { statSync } from 'node:fs';

/** A directory, or a path where one can be made (the producer creates it). */
function isDirectoryOrAbsent(path: unknown): boolean {
  if (typeof path !== 'string') return false;
  try {
    return statSync(path).isDirectory();
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENOENT';
  }
}

export class ProducerConfig extends BaseConfig {
  /** Block files here are ingested at start, and whenever one is added or grows. */
  @IsString()
  @MinLength(1, { message: 'DATA_DIR must be a directory path' })
  @ValidateBy({ name: 'isDirectoryOrAbsent', validator: { validate: isDirectoryOrAbsent, defaultMessage: () => 'DATA_DIR must be a directory (or a path where one can be created), got "$value"' } })
  DATA_DIR = './data';

  /** How many recent blocks a chain reorganisation may replace, for files ingested from now on. */
  @intSetting(1, 100_000)
  REORG_WINDOW = 64;

  /** Run the simulator too: it writes DATA_DIR/SIMULATE_NAME block after block and queues each. */
  @booleanSetting()
  SIMULATE = false;

  @IsString()
  @Matches(/^[A-Za-z0-9_][A-Za-z0-9._-]{0,199}\.(ndjson|jsonl)$/, { message: 'SIMULATE_NAME must be a plain file name ending in .ndjson or .jsonl, got "$value"' })
  SIMULATE_NAME = 'sim.ndjson';

  @intSetting(-(2 ** 31), 2 ** 31)
  SIMULATE_SEED = 7;

  /** Blocks per second (0: as fast as possible). */
  @numberSetting(0, 10_000)
  SIMULATE_RATE = 2;

  /** Stop after this many blocks (unset: run until the producer stops). */
  @optionalIntSetting(1, Number.MAX_SAFE_INTEGER)
  SIMULATE_BLOCKS?: number = undefined;

  /** Share of events that break a rule. */
  @numberSetting(0, 1)
  SIMULATE_INVALID = 0.05;
}
