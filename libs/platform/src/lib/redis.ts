import { Redis, RedisOptions } from 'ioredis';

/**
 * One ioredis connection. `maxRetriesPerRequest: null` is what BullMQ requires of the
 * connections it uses, and it is right for ours too: a command waits out a Redis restart
 * instead of failing half-way.
 */
export function createRedis(url: string, options: RedisOptions = {}): Redis {
  const redis = new Redis(url, { maxRetriesPerRequest: null, enableReadyCheck: true, ...options });
  // Without a listener ioredis prints every failed reconnection attempt; one line per outage is enough.
  let down = false;
  redis.on('error', (error: Error) => {
    if (down) return;
    down = true;
    process.stderr.write(`${JSON.stringify({ level: 40, time: Date.now(), msg: `Redis connection (${options.connectionName ?? 'bqm'}) lost: ${error.message}; reconnecting` })}\n`);
  });
  redis.on('ready', () => (down = false));
  return redis;
}

/**
 * For connections that answer people (the API): while Redis is away a command fails within a
 * few seconds (answered 503) instead of waiting for Redis to come back.
 */
export const FAIL_FAST: RedisOptions = { maxRetriesPerRequest: 1, commandTimeout: 3000 };

/** Whether an error says Redis is unreachable (not a bug): the API answers 503 for it. */
export function isRedisUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  return (
    error.name === 'MaxRetriesPerRequestError' ||
    /Command timed out|Command aborted due to connection close|Connection is closed|Stream isn't writeable|ECONNREFUSED|ECONNRESET|LOADING|enableOfflineQueue/.test(error.message)
  );
}

/**
 * BullMQ loses locks and jobs when Redis evicts keys; say so at start when the policy allows it.
 * Returns the warning, or undefined when the policy is right (or cannot be read, e.g. CONFIG is disabled).
 */
export async function evictionPolicyWarning(redis: Redis): Promise<string | undefined> {
  try {
    const reply = (await redis.config('GET', 'maxmemory-policy')) as string[];
    const policy = reply[1];
    return policy && policy !== 'noeviction'
      ? `Redis maxmemory-policy is "${policy}": set it to "noeviction", or Redis may evict queue and state keys under memory pressure`
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Whether Redis answers at `url` within `timeoutMs`, without the endless reconnecting of the
 * app connections: commands run by hand should fail fast and say why.
 */
export async function redisProblem(url: string, timeoutMs = 3000): Promise<string | undefined> {
  const probe = new Redis(url, {
    lazyConnect: true,
    connectTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    enableOfflineQueue: false,
  });
  probe.on('error', () => undefined);
  try {
    await probe.connect();
    await probe.ping();
    return undefined;
  } catch (error) {
    return `cannot reach Redis at ${url}: ${error instanceof Error ? error.message : String(error)}`;
  } finally {
    probe.disconnect();
  }
}
