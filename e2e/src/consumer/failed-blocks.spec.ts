import { BLOCKS_QUEUE } from '@bqm/store';
import { UnrecoverableError, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { join } from 'node:path';
import { TestSystem } from '../support/system';
import { REDIS_URL, WORKSPACE } from '../support/workspace';

/**
 * A block whose processing fails for good (here: a worker that fails every job it takes) holds
 * its file visibly: /status counts it, /state says so, `--wait` stops and says why, and
 * ingesting the file again retries it.
 */
describe('blocks that fail for good', () => {
  let system: TestSystem;
  let failing: Worker<unknown, unknown> | undefined;
  const connection = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  const sample = join(WORKSPACE, 'data/blocks.json');

  beforeAll(async () => {
    system = await TestSystem.start({ consumers: 0 });
  }, 60_000);

  afterAll(async () => {
    await failing?.close();
    connection.disconnect();
    await system?.stop();
  }, 60_000);

  it('is visible everywhere, and re-ingesting retries it', async () => {
    const worker = new Worker<unknown, unknown>(
      BLOCKS_QUEUE,
      async () => {
        throw new UnrecoverableError('disk on fire');
      },
      { connection, prefix: system.prefix },
    );
    failing = worker;
    const waited = await system.ingest([sample, '--wait']);
    expect(waited.code).toBe(1);
    expect(waited.stderr).toMatch(/blocks\.json is held at block 0: processing of block 1 failed \(disk on fire\) and 7 more; once the cause is fixed, ingest the file again to retry/);
    await worker.close();
    failing = undefined;

    const status = (await system.get('/status')).body.files[0];
    expect(status).toMatchObject({ fileName: 'blocks.json', blocksFailed: 8, complete: false, processedThrough: 0 });
    const state = await system.get('/state?fileName=blocks.json&blockNumber=2');
    expect(state).toMatchObject({ status: 409, body: { error: 'processing_failed', failedBlocks: [1, 2, 3, 5, 6, 8, 10, 12] } });
    expect(state.body.message).toContain('processing of block 1 failed (disk on fire)');

    system.startConsumer();
    const again = await system.ingest([sample, '--wait']);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('blocks.json: 8 blocks whose processing had failed are tried again');
    expect(again.stdout).toContain('blocks.json is processed through block 12');
    expect((await system.get('/status')).body.files[0]).toMatchObject({ blocksFailed: 0, complete: true });
  });
});
