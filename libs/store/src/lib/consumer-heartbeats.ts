import type { Redis } from 'ioredis';
import { StoreKeys } from './keys';

/** What a consumer says of itself every few seconds. */
export interface ConsumerHeartbeat {
  id: string;
  host: string;
  pid: number;
  startedAt: number;
  beatAt: number;
  concurrency: number;
  /** prom-client's JSON of the consumer's own metrics, for the API to add up. */
  metrics?: unknown;
}

export const HEARTBEAT_INTERVAL_MS = 5000;
/** A consumer not heard of for this long is taken for dead. */
export const HEARTBEAT_EXPIRY_MS = 3 * HEARTBEAT_INTERVAL_MS;
/** Heartbeats of consumers gone longer than this are forgotten. */
const HEARTBEAT_FORGET_MS = 10 * 60_000;

export class ConsumerHeartbeats {
  constructor(
    private readonly redis: Redis,
    private readonly keys: StoreKeys,
  ) {}

  async beat(heartbeat: ConsumerHeartbeat): Promise<void> {
    await this.redis.hset(this.keys.consumers, heartbeat.id, JSON.stringify(heartbeat));
  }

  async remove(id: string): Promise<void> {
    await this.redis.hdel(this.keys.consumers, id);
  }

  /** Consumers heard of recently; long-gone ones are dropped from Redis on the way. */
  async alive(now = Date.now()): Promise<ConsumerHeartbeat[]> {
    const all = Object.values(await this.redis.hgetall(this.keys.consumers)).map((json) => JSON.parse(json) as ConsumerHeartbeat);
    const forgotten = all.filter((beat) => now - beat.beatAt > HEARTBEAT_FORGET_MS).map((beat) => beat.id);
    if (forgotten.length) await this.redis.hdel(this.keys.consumers, ...forgotten);
    return all.filter((beat) => now - beat.beatAt <= HEARTBEAT_EXPIRY_MS).sort((a, b) => a.startedAt - b.startedAt);
  }
}
