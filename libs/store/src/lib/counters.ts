import type { Redis } from 'ioredis';
import { StoreKeys } from './keys';

/**
 * Totals of the whole deployment kept in Redis (jobs by outcome, rollbacks): they survive the
 * consumers that counted them, so /metrics never goes back when a consumer dies or restarts.
 */
export class DeploymentCounters {
  constructor(
    private readonly redis: Redis,
    private readonly keys: StoreKeys,
  ) {}

  async add(name: string, by = 1): Promise<void> {
    await this.redis.hincrby(this.keys.counters, name, by);
  }

  async read(): Promise<Record<string, number>> {
    const hash = await this.redis.hgetall(this.keys.counters);
    return Object.fromEntries(Object.entries(hash).map(([name, value]) => [name, Number(value)]));
  }
}
