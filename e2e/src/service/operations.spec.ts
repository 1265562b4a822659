import { simulateBlocks } from '@bqm/simulation';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeNdjson } from '../support/chain';
import { startApp } from '../support/processes';
import { freePort, TestSystem } from '../support/system';
import { appEntry, WORKSPACE } from '../support/workspace';

/** What an operator watches: health, readiness, status, metrics, OpenAPI, logs and progress. */
describe('operational endpoints', () => {
  let system: TestSystem;
  const sample = join(WORKSPACE, 'data/blocks.json');

  beforeAll(async () => {
    system = await TestSystem.start({ consumers: 0 });
  }, 60_000);

  afterAll(async () => {
    await system?.stop();
  }, 60_000);

  it('is healthy but not ready without consumers, and /status shows the lag', async () => {
    const health = await system.get('/health');
    expect(health).toMatchObject({ status: 200, body: { status: 'ok' } });
    const ready = await system.get('/ready');
    expect(ready.status).toBe(503);
    expect(ready.body).toMatchObject({ status: 'not_ready', redis: 'ok', consumers: [] });
    expect(ready.body.problems).toEqual(['no consumer is alive: blocks are not being applied']);

    expect((await system.ingest([sample])).code).toBe(0);
    const status = await system.get('/status');
    expect(status.status).toBe(200);
    expect(status.body.consumers).toBe(0);
    expect(status.body.queue).toMatchObject({ waiting: 8, active: 0, failed: 0 });
    expect(status.body.files).toEqual([
      expect.objectContaining({ fileName: 'blocks.json', processedThrough: 0, endBlock: 12, blocksQueued: 8, blocksApplied: 0, blocksFailed: 0, lag: 8, complete: false }),
    ]);
  });

  it('is ready once a consumer beats, lists it, and /status and /metrics follow the work', async () => {
    const consumer = system.startConsumer();
    await system.waitComplete('blocks.json');
    const ready = await system.get('/ready');
    expect(ready.status).toBe(200);
    expect(ready.body.consumers).toEqual([expect.objectContaining({ pid: consumer.child.pid, concurrency: 16 })]);
    const status = await system.get('/status');
    expect(status.body.files[0]).toMatchObject({ processedThrough: 12, blocksApplied: 8, lag: 0, eventsApplied: 20, eventsRejected: 6, complete: true });

    // Job totals are kept in Redis; the consumer's timings reach the API with its next heartbeat.
    // The 8 jobs found their block applied, or handed it to the job applying the file.
    const jobsDone = (text: string) =>
      [...text.matchAll(/^bqm_jobs_total\{outcome="(applied|delegated)"\} (\d+)$/gm)].reduce((sum, match) => sum + Number(match[2]), 0);
    await system.waitUntil(async () => {
      const text = (await system.get('/metrics')).body;
      return jobsDone(text) === 8 && text.includes('bqm_block_apply_seconds_count 8');
    }, 'consumer metrics', 20_000);
    const response = await fetch(`${system.apiUrl}/metrics`);
    expect(response.headers.get('content-type')).toContain('text/plain');
    const text = await response.text();
    for (const line of [
      'bqm_queue_jobs{queue="blocks",state="completed"} 8',
      'bqm_queue_jobs{queue="blocks",state="failed"} 0',
      'bqm_consumers_alive 1',
      'bqm_file_blocks_applied{file="blocks.json"} 8',
      'bqm_file_events_applied{file="blocks.json"} 20',
      'bqm_file_events_rejected{file="blocks.json"} 6',
      'bqm_file_lag_blocks{file="blocks.json"} 0',
      'bqm_file_processed_through{file="blocks.json"} 12',
      'bqm_block_apply_seconds_count 8',
    ]) {
      expect(text).toContain(line);
    }
    expect(text).toMatch(/bqm_http_request_duration_seconds_count\{method="GET",route="\/status",status="200"\} [1-9]/);
    expect(text).toContain('# TYPE bqm_block_apply_seconds histogram');

    // A consumer that stops is no longer counted.
    await consumer.stop('SIGTERM');
    expect((await system.get('/ready')).status).toBe(503);
  });

  it('describes every endpoint in OpenAPI at /docs, with parameters and error answers', async () => {
    expect((await fetch(`${system.apiUrl}/docs`)).status).toBe(200);
    const { body } = await system.get('/docs/openapi.json');
    expect(Object.keys(body.paths).sort()).toEqual(
      expect.arrayContaining(['/files', '/files/{fileName}', '/files/{fileName}/rejections', '/health', '/metrics', '/ready', '/state', '/status']),
    );
    const state = body.paths['/state'].get;
    expect(state.parameters.map((p: { name: string }) => p.name).sort()).toEqual(['blockNumber', 'fileName', 'includeRemoved']);
    expect(Object.keys(state.responses).sort()).toEqual(['200', '400', '404', '409']);
    expect(state.responses['400'].content['application/json'].schema.$ref).toContain('ErrorBodyDto');
    expect(Object.keys(body.paths['/ready'].get.responses).sort()).toEqual(['200', '503']);
  });

  it('warns at start when Redis may evict keys', async () => {
    const port = await freePort();
    const redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--maxmemory-policy', 'allkeys-lru'], { stdio: 'ignore' });
    try {
      await new Promise((resolve) => setTimeout(resolve, 300));
      const consumer = startApp('consumer', { REDIS_URL: `redis://127.0.0.1:${port}`, KEY_PREFIX: system.prefix });
      await system.waitUntil(async () => consumer.log().includes('maxmemory-policy'), 'the eviction warning', 20_000);
      expect(consumer.log()).toContain('Redis maxmemory-policy is \\"allkeys-lru\\": set it to \\"noeviction\\"');
      await consumer.stop('SIGTERM');
    } finally {
      redis.kill('SIGKILL');
    }
  });
});

describe('logs and progress', () => {
  let system: TestSystem;

  beforeAll(async () => {
    system = await TestSystem.start({ consumers: 1, api: false });
  }, 60_000);

  afterAll(async () => {
    await system?.stop();
  }, 60_000);

  it('logs JSON lines with the file, block and job in context', async () => {
    expect((await system.ingest([join(WORKSPACE, 'data/blocks.json'), '--wait'])).code).toBe(0);
    const lines = system.consumers[0]
      .log()
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line));
    const batch = lines.find((line) => line.msg === 'applied blocks');
    expect(batch).toMatchObject({ app: 'consumer', level: 30, file: 'blocks.json', fromBlock: 1, toBlock: 12, blocks: 8 });
  });

  it('shows a progress bar in a terminal and plain lines otherwise', async () => {
    const command = `${process.execPath} ${appEntry('producer')} ingest ${join(WORKSPACE, 'data/blocks.json')} --name tty.json --wait`;
    // `script` gives the command a terminal of its own.
    const tty = spawnSync('script', ['-qec', command, '/dev/null'], { cwd: WORKSPACE, env: { ...process.env, ...system.environment }, encoding: 'utf8', timeout: 60_000 });
    expect(tty.status).toBe(0);
    expect(tty.stdout).toContain('\r');
    expect(tty.stdout).toMatch(/applying tty\.json \[#+\.*\] +\d+%/);
    const plain = await system.ingest([join(WORKSPACE, 'data/blocks.json'), '--name', 'plain.json', '--wait']);
    expect(plain.code).toBe(0);
    expect(plain.stderr).not.toContain('\r');
    expect(plain.stderr).toMatch(/^checking plain\.json \d+ blocks$/m);
    expect(plain.stdout).toContain('plain.json is processed through block 12: 20 events applied, 6 rejected');
  });

  it('says so when an ingest is interrupted before its file is queued whole, and how to finish it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bqm-interrupt-'));
    try {
      const path = writeNdjson(join(dir, 'cut.ndjson'), simulateBlocks({ seed: 5, blocks: 30_000, compactShares: true }));
      const ingest = startApp('producer', system.environment, ['ingest', path]);
      await system.waitUntil(async () => ingest.log().includes('queueing cut.ndjson'), 'the ingest queueing blocks', 60_000);
      const { code } = await ingest.stop('SIGINT');
      expect(code).toBe(130);
      expect(ingest.log()).toContain('interrupted: cut.ndjson is not completely queued; ingest it again to finish it');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('prints its usage for --help', () => {
    const help = spawnSync(process.execPath, [appEntry('producer'), '--help'], { cwd: WORKSPACE, env: { ...process.env, ...system.environment }, encoding: 'utf8' });
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('producer ingest <path>');
    expect(help.stderr).toBe('');
  });
});
