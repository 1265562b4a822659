import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

/** A Lua script run by its SHA (sent whole only when Redis does not know it yet, e.g. after a restart). */
export class LuaScript {
  private readonly sha: string;

  constructor(private readonly source: string) {
    this.sha = createHash('sha1').update(source).digest('hex');
  }

  /**
   * Arguments go as one array (ioredis flattens it): a batch of a busy block can have hundreds of
   * thousands, more than a JavaScript call can take spread out.
   */
  async run<T>(redis: Redis, keys: readonly string[], args: readonly (string | number)[]): Promise<T> {
    const rest: (string | number)[] = [keys.length, ...keys, ...args];
    try {
      return (await redis.call('EVALSHA', [this.sha, ...rest])) as T;
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
      return (await redis.call('EVAL', [this.source, ...rest])) as T;
    }
  }
}
