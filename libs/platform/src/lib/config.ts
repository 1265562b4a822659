import { plainToInstance, Transform } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsNumber, IsOptional, IsString, Matches, Max, Min, validateSync } from 'class-validator';

/** A setting that cannot be used: reported as one line, and the process exits with code 2. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

const toInt = ({ value }: { value: unknown }) => (typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value);

/** Settings every app reads. */
export class BaseConfig {
  /** Where Redis is (the only store). */
  @IsString()
  @Matches(/^rediss?:\/\/[^\s/]+(\/\d+)?$/, { message: 'REDIS_URL must look like redis://host:port[/db], got "$value"' })
  REDIS_URL = 'redis://127.0.0.1:6379';

  /** Prefix of every Redis key and BullMQ queue of this deployment (tests use their own). */
  @IsString()
  @Matches(/^[A-Za-z0-9_-]{1,64}$/, { message: 'KEY_PREFIX must be 1-64 letters, digits, "_" or "-", got "$value"' })
  KEY_PREFIX = 'bqm';

  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], { message: 'LOG_LEVEL must be one of $constraint1, got "$value"' })
  LOG_LEVEL = 'info';

  /** `json`, `pretty`, or unset: readable in a terminal, JSON otherwise (see logging.ts). */
  @IsOptional()
  @IsIn(['json', 'pretty'], { message: 'LOG_FORMAT must be json or pretty, got "$value"' })
  LOG_FORMAT?: string = undefined;
}

export function portSetting(): PropertyDecorator {
  return (target, key) => {
    Transform(toInt)(target, key);
    IsInt({ message: `${String(key)} must be a port number (an integer 1-65535), got "$value"` })(target, key);
    Min(1, { message: `${String(key)} must be a port number (an integer 1-65535), got "$value"` })(target, key);
    Max(65535, { message: `${String(key)} must be a port number (an integer 1-65535), got "$value"` })(target, key);
  };
}

export function intSetting(min: number, max: number): PropertyDecorator {
  return (target, key) => {
    const message = `${String(key)} must be an integer from ${min} to ${max}, got "$value"`;
    Transform(toInt)(target, key);
    IsInt({ message })(target, key);
    Min(min, { message })(target, key);
    Max(max, { message })(target, key);
  };
}

export function numberSetting(min: number, max: number): PropertyDecorator {
  return (target, key) => {
    const message = `${String(key)} must be a number from ${min} to ${max}, got "$value"`;
    Transform(({ value }) => (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value)) ? Number(value) : value))(target, key);
    IsNumber({}, { message })(target, key);
    Min(min, { message })(target, key);
    Max(max, { message })(target, key);
  };
}

/** A `true`/`false` setting (any case; `1`/`0` too); anything else is a configuration error naming the value. */
export function booleanSetting(): PropertyDecorator {
  const toBoolean = ({ value }: { value: unknown }) => {
    if (typeof value !== 'string') return value;
    const word = value.trim().toLowerCase();
    return word === 'true' || word === '1' ? true : word === 'false' || word === '0' ? false : value;
  };
  return (target, key) => {
    Transform(toBoolean)(target, key);
    IsBoolean({ message: `${String(key)} must be true or false, got "$value"` })(target, key);
  };
}

/** An integer setting that may be left unset (undefined). */
export function optionalIntSetting(min: number, max: number): PropertyDecorator {
  return (target, key) => {
    IsOptional()(target, key);
    intSetting(min, max)(target, key);
  };
}

/**
 * Reads the environment into a settings class, with its defaults, and checks it. Unknown
 * variables are ignored; a bad value throws `ConfigError` naming the variable and the value.
 */
export function loadConfig<T extends object>(type: new () => T, env: NodeJS.ProcessEnv = process.env): T {
  const defaults = new type() as Record<string, unknown>;
  const given: Record<string, unknown> = {};
  for (const key of Object.keys(defaults)) {
    const value = env[key];
    if (value !== undefined && value !== '') given[key] = value;
  }
  const config = plainToInstance(type, { ...defaults, ...given });
  const errors = validateSync(config, { forbidUnknownValues: false });
  if (errors.length > 0) {
    // One message a setting: its checks all say the same thing.
    const messages = [...new Set(errors.map((error) => Object.values(error.constraints ?? {})[0]).filter(Boolean))];
    throw new ConfigError(`invalid configuration: ${messages.join('; ')}`);
  }
  return config;
}
