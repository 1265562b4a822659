import { BLOCKS_QUEUE, FileMeta, isComplete, parseFileMeta, StoreKeys } from '@bqm/store';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { AppProcess, CommandResult, runApp, startApp } from './processes';
import { REDIS_URL } from './workspace';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
    server.on('error', reject);
  });
}

export interface SystemOptions {
  consumers?: number;
  api?: boolean;
  env?: Record<string, string>;
  /** Another Redis than the shared one (a private server a test may stop and restart). */
  redisUrl?: string;
}

/**
 * The real system for one test: API and consumers as processes over the real Redis, under a
 * key prefix of its own (so tests never see each other's data), removed at the end.
 */
export class TestSystem {
  readonly prefix = `bqmtest-${randomBytes(4).toString('hex')}`;
  readonly redis: Redis;
  readonly keys = new StoreKeys(this.prefix);
  readonly queue: Queue;
  readonly consumers: AppProcess[] = [];
  api?: AppProcess;
  apiUrl = '';
  private readonly env: Record<string, string>;

  private constructor(options: SystemOptions) {
    const redisUrl = options.redisUrl ?? REDIS_URL;
    this.redis = new Redis(redisUrl, { maxRetriesPerRequest: null });
    this.queue = new Queue(BLOCKS_QUEUE, { connection: this.redis, prefix: this.prefix });
    this.env = { REDIS_URL: redisUrl, KEY_PREFIX: this.prefix, ...options.env };
  }

  static async start(options: SystemOptions = {}): Promise<TestSystem> {
    const system = new TestSystem(options);
    if (options.api !== false) await system.startApi();
    for (let i = 0; i < (options.consumers ?? 1); i++) system.startConsumer();
    return system;
  }

  get environment(): Record<string, string> {
    return { ...this.env };
  }

  async startApi(): Promise<void> {
    const port = await freePort();
    this.api = startApp('api', { ...this.env, PORT: String(port), HOST: '127.0.0.1' });
    this.apiUrl = `http://127.0.0.1:${port}`;
    for (let i = 0; i < 150; i++) {
      try {
        if ((await fetch(`${this.apiUrl}/files`)).ok) return;
      } catch {
        /* not listening yet */
      }
      if (!this.api.running) break;
      await sleep(100);
    }
    throw new Error(`the api did not start:\n${this.api.log()}`);
  }

  startConsumer(env: Record<string, string> = {}): AppProcess {
    const consumer = startApp('consumer', { ...this.env, ...env });
    this.consumers.push(consumer);
    return consumer;
  }

  ingest(args: string[], env: Record<string, string> = {}): Promise<CommandResult> {
    return runApp('producer', { ...this.env, ...env }, ['ingest', ...args]);
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- answers are checked by the tests' assertions
  async get(path: string): Promise<{ status: number; body: any }> {
    const response = await fetch(`${this.apiUrl}${path}`);
    const text = await response.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      /* not JSON: keep the text */
    }
    return { status: response.status, body };
  }

  async meta(fileName: string): Promise<FileMeta | null> {
    return parseFileMeta(await this.redis.hgetall(this.keys.file(fileName).meta));
  }

  /** Waits until the file is fully processed (or the deadline passes, which fails the test). */
  async waitComplete(fileName: string, timeoutMs = 120_000): Promise<FileMeta> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const meta = await this.meta(fileName);
      if (meta && isComplete(meta)) return meta;
      if (Date.now() > deadline) {
        throw new Error(`${fileName} not complete after ${timeoutMs} ms: ${JSON.stringify(meta)}\n${this.consumers.map((c) => c.log()).join('\n')}`);
      }
      await sleep(50);
    }
  }

  async waitUntil(check: () => Promise<boolean>, what: string, timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await sleep(25);
    }
  }

  /** Every key of this system's prefix (the store's and the queue's). */
  async allKeys(): Promise<string[]> {
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await this.redis.scan(cursor, 'MATCH', `${this.prefix}:*`, 'COUNT', 1000);
      keys.push(...batch);
      cursor = next;
    } while (cursor !== '0');
    return keys;
  }

  async stop(): Promise<void> {
    await Promise.all([...this.consumers, ...(this.api ? [this.api] : [])].map((app) => app.stop('SIGTERM')));
    await this.queue.close();
    const keys = await this.allKeys();
    for (let i = 0; i < keys.length; i += 1000) await this.redis.unlink(...keys.slice(i, i + 1000));
    await this.redis.quit();
  }
}
