import { Block, InMemoryRegistry } from '@bqm/domain';
import { simulateBlocks } from '@bqm/simulation';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { collectionsOf } from '../support/replay';
import { startApp } from '../support/processes';
import { TestSystem } from '../support/system';
import { appEntry, REDIS_URL, WORKSPACE } from '../support/workspace';

/** Settings are checked at start; SIGTERM stops every app cleanly without losing or repeating a block. */
describe('configuration', () => {
  const run = (app: 'api' | 'consumer' | 'producer', env: Record<string, string>, args: string[] = []) =>
    spawnSync(process.execPath, [appEntry(app), ...args], { cwd: WORKSPACE, env: { ...process.env, REDIS_URL, ...env }, encoding: 'utf8', timeout: 20_000 });

  it.each([
    ['api', { REDIS_URL: 'http://nowhere' }, 'REDIS_URL must look like redis://host:port'],
    ['consumer', { REDIS_URL: 'localhost:6379' }, 'REDIS_URL must look like redis://host:port'],
    ['producer', { REDIS_URL: 'redis://' }, 'REDIS_URL must look like redis://host:port'],
    ['api', { PORT: '70000' }, 'PORT must be a port number'],
    ['api', { PORT: 'eighty' }, 'PORT must be a port number'],
    ['consumer', { CONSUMER_CONCURRENCY: '0' }, 'CONSUMER_CONCURRENCY must be an integer from 1'],
    ['consumer', { KEY_PREFIX: 'has:colon' }, 'KEY_PREFIX must be'],
    ['producer', { DATA_DIR: join(WORKSPACE, 'package.json') }, 'DATA_DIR must be a directory'],
    ['producer', { SIMULATE: 'yes' }, 'SIMULATE must be true or false'],
    ['api', { LOG_LEVEL: 'loud' }, 'LOG_LEVEL must be one of'],
    ['consumer', { LOG_FORMAT: 'xml' }, 'LOG_FORMAT must be json or pretty'],
    ['api', { HOST: '999.1.1.1' }, 'HOST must be an IP address or localhost'],
    ['producer', { SIMULATE_NAME: 'sim.json' }, 'SIMULATE_NAME must be a plain file name ending in .ndjson or .jsonl'],
  ] as const)('%s with %j: one clear line, exit 2', (app, env, message) => {
    const result = run(app, env);
    expect({ status: result.status, stdout: result.stdout }).toEqual({ status: 2, stdout: '' });
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain(message);
    // Said once, not once per check of the setting.
    expect(result.stderr.split(message)).toHaveLength(2);
  });

  it('checks settings before commands too', () => {
    const result = run('producer', { REDIS_URL: 'nope' }, ['ingest', join(WORKSPACE, 'data/blocks.json')]);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('REDIS_URL');
  });

  it('says how to fix an unreachable Redis when a command needs it', () => {
    const result = run('producer', { REDIS_URL: 'redis://127.0.0.1:1' }, ['ingest', join(WORKSPACE, 'data/blocks.json')]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('cannot reach Redis at redis://127.0.0.1:1');
    expect(result.stderr).toContain('start Redis, or set REDIS_URL');
  });
});

describe('graceful shutdown', () => {
  let system: TestSystem;
  let dir: string;
  const blocks: Block[] = simulateBlocks({ seed: 23, blocks: 2500 });
  const last = blocks[blocks.length - 1].number;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'bqm-stop-'));
    writeFileSync(join(dir, 'stop.ndjson'), blocks.map((block) => JSON.stringify(block)).join('\n'));
    system = await TestSystem.start({ consumers: 2, env: { BATCH_BLOCKS: '10' } });
  }, 60_000);

  afterAll(async () => {
    await system?.stop();
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it('SIGTERM in the middle of a file: consumers exit 0 within 15 s, and no block is lost or applied twice', async () => {
    expect((await system.ingest([join(dir, 'stop.ndjson')])).code).toBe(0);
    await system.waitUntil(async () => ((await system.meta('stop.ndjson'))?.processedThrough ?? 0) >= 300, 'some blocks applied');
    const exits = await Promise.all(system.consumers.map((consumer) => consumer.stop('SIGTERM', 30_000)));
    for (const exit of exits) expect(exit).toMatchObject({ code: 0, signal: null });
    for (const exit of exits) expect(exit.ms).toBeLessThan(15_000);
    const atStop = (await system.meta('stop.ndjson'))!;
    expect(atStop.processedThrough).toBeLessThan(last);
    // Jobs handed back are waiting (or delayed), not failed.
    const counts = await system.queue.getJobCounts('failed', 'active');
    expect(counts).toEqual({ failed: 0, active: 0 });

    system.startConsumer({ BATCH_BLOCKS: '10' });
    const meta = await system.waitComplete('stop.ndjson');
    const reference = InMemoryRegistry.replay(blocks);
    expect(meta).toMatchObject({ blocksApplied: blocks.length, eventsRejected: reference.rejections.length });
    const { body } = await system.get(`/state?fileName=stop.ndjson&blockNumber=${last}&includeRemoved=true`);
    expect(collectionsOf(body)).toEqual(reference.collections(true));
  });

  it('the API and the producer service exit 0 on SIGTERM and SIGINT', async () => {
    const producer = startApp('producer', { ...system.environment, DATA_DIR: dir });
    await system.waitUntil(async () => producer.log().includes('watching the data directory'), 'the producer to start');
    expect(await producer.stop('SIGINT')).toMatchObject({ code: 0 });
    const api = system.api!;
    const stopped = await api.stop('SIGTERM');
    expect(stopped).toMatchObject({ code: 0, signal: null });
    expect(stopped.ms).toBeLessThan(15_000);
  });
});
