import { Block } from '@bqm/domain';
import { simulateBlocks } from '@bqm/simulation';
import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expectExactly, writeNdjson } from '../support/chain';
import { startApp } from '../support/processes';
import { freePort, TestSystem } from '../support/system';

/**
 * Redis killed (SIGKILL) and restarted in the middle of a file, with its append-only file as
 * docker-compose runs it: the apps reconnect, the API answers 503 meanwhile (never a 500), and
 * the final state is exact.
 */
describe('Redis restarting mid-file', () => {
  let dir: string;
  let port: number;
  let redis: ChildProcess | undefined;
  let system: TestSystem;
  const blocks: Block[] = simulateBlocks({ seed: 41, blocks: 2500 });

  const startRedis = () => {
    redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'yes', '--appendfsync', 'always', '--maxmemory-policy', 'noeviction'], {
      stdio: 'ignore',
    });
  };
  const redisAnswers = async () => {
    const { Redis } = await import('ioredis');
    const probe = new Redis(port, '127.0.0.1', { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    probe.on('error', () => undefined);
    try {
      await probe.connect();
      return (await probe.ping()) === 'PONG';
    } catch {
      return false;
    } finally {
      probe.disconnect();
    }
  };

  /** Stopped as an operator stops it (SIGTERM: it answers what it has read, then closes), then started again. */
  const restartRedis = async (downMs: number) => {
    redis!.kill('SIGTERM');
    await new Promise((resolve) => redis!.once('exit', resolve));
    await new Promise((resolve) => setTimeout(resolve, downMs));
    startRedis();
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'bqm-redis-'));
    port = await freePort();
    startRedis();
    for (let i = 0; i < 50 && !(await redisAnswers()); i++) await new Promise((resolve) => setTimeout(resolve, 100));
    system = await TestSystem.start({ consumers: 2, redisUrl: `redis://127.0.0.1:${port}`, env: { BATCH_BLOCKS: '10' } });
  }, 60_000);

  afterAll(async () => {
    await system?.stop();
    redis?.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it('the apps ride out a Redis kill and restart, and the state is exact', async () => {
    expect((await system.ingest([writeNdjson(join(dir, 'restart.ndjson'), blocks)])).code).toBe(0);
    await system.waitUntil(async () => ((await system.meta('restart.ndjson'))?.processedThrough ?? 0) >= 300, 'some blocks applied');
    redis!.kill('SIGKILL');
    await new Promise((resolve) => redis!.once('exit', resolve));

    // While Redis is away the API says so, quickly, with 503s.
    const started = Date.now();
    const state = await system.get('/state?fileName=restart.ndjson&blockNumber=10');
    expect(state).toMatchObject({ status: 503, body: { error: 'store_unavailable' } });
    const ready = await system.get('/ready');
    expect(ready).toMatchObject({ status: 503, body: { status: 'not_ready' } });
    expect(Date.now() - started).toBeLessThan(15_000);

    await new Promise((resolve) => setTimeout(resolve, 1500));
    startRedis();
    await system.waitComplete('restart.ndjson', 180_000);
    await expectExactly(system, 'restart.ndjson', blocks, [300, 1250, 2500]);
    expect(system.consumers.every((consumer) => consumer.running)).toBe(true);
    expect((await system.get('/ready')).status).toBe(200);
  });

  it('npm run ingest rides out Redis stopping and starting again while it queues, and the file ends whole and exact', async () => {
    const big = simulateBlocks({ seed: 43, blocks: 30_000, compactShares: true });
    const path = writeNdjson(join(dir, 'queueing.ndjson'), big);
    const queueing = await TestSystem.start({ consumers: 1, redisUrl: `redis://127.0.0.1:${port}` });
    try {
      const ingest = startApp('producer', queueing.environment, ['ingest', path]);
      await queueing.waitUntil(async () => ingest.log().includes('queueing queueing.ndjson'), 'the ingest queueing blocks', 60_000);
      // Stopped three times while it queues: a stop lands amid a pipeline's replies at least once.
      for (let kill = 0; kill < 3 && ingest.running; kill++) {
        await restartRedis(1000);
        await new Promise((resolve) => setTimeout(resolve, 700));
      }
      const { code } = await ingest.exited();
      expect({ code, log: ingest.log() }).toMatchObject({ code: 0 });
      expect(ingest.log()).not.toContain('error');
      await queueing.waitComplete('queueing.ndjson', 180_000);
      await expectExactly(queueing, 'queueing.ndjson', big, [1, 15_000, 30_000]);
    } finally {
      await queueing.stop();
    }
  }, 300_000);
});
