import { Block, InMemoryRegistry } from '@bqm/domain';
import { simulateBlocks } from '@bqm/simulation';
import { APPLY_BLOCK_JOB, applyBlockJobId } from '@bqm/store';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { collectionsOf } from '../support/replay';
import { TestSystem } from '../support/system';

/**
 * Consumers killed with SIGKILL in the middle of a file, and jobs delivered twice: every block
 * must still take effect exactly once (no gap, no double count).
 */
describe('consumers killed mid-file, and duplicate deliveries', () => {
  let system: TestSystem;
  let dir: string;
  const blocks: Block[] = simulateBlocks({ seed: 11, blocks: 3000 });
  const reference = InMemoryRegistry.replay(blocks);
  const totals = {
    eventsApplied: blocks.reduce((sum, block) => sum + block.events.length, 0) - reference.rejections.length,
    eventsRejected: reference.rejections.length,
  };
  const last = blocks[blocks.length - 1].number;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'bqm-kill-'));
    writeFileSync(join(dir, 'sim.ndjson'), blocks.map((block) => JSON.stringify(block)).join('\n'));
    // Small batches and a short lease: many batch boundaries to die between, and a quick take-over.
    system = await TestSystem.start({ consumers: 2, env: { BATCH_BLOCKS: '10', APPLY_LEASE_MS: '1500' } });
  }, 60_000);

  afterAll(async () => {
    await system?.stop();
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it('survives SIGKILL of every consumer mid-file with no gap and no double effect', async () => {
    const ingest = await system.ingest([join(dir, 'sim.ndjson')]);
    expect(ingest.code).toBe(0);
    await system.waitUntil(async () => ((await system.meta('sim.ndjson'))?.processedThrough ?? 0) >= 400, 'a few hundred blocks applied');
    const killed = await Promise.all(system.consumers.map((consumer) => consumer.stop('SIGKILL')));
    expect(killed.map((exit) => exit.signal)).toEqual(['SIGKILL', 'SIGKILL']);
    const atKill = (await system.meta('sim.ndjson'))!;
    expect(atKill.processedThrough).toBeLessThan(last);
    // What was applied before the kill is whole: counts match a replay through that block.
    const partial = InMemoryRegistry.replay(blocks, atKill.appliedThrough!);
    expect(atKill.eventsRejected).toBe(partial.rejections.length);

    system.startConsumer({ BATCH_BLOCKS: '10', APPLY_LEASE_MS: '1500' });
    system.startConsumer({ BATCH_BLOCKS: '10', APPLY_LEASE_MS: '1500' });
    const meta = await system.waitComplete('sim.ndjson', 180_000);
    expect(meta).toMatchObject({ processedThrough: last, blocksApplied: blocks.length, ...totals });

    for (const at of [atKill.processedThrough!, Math.floor(last / 2), last]) {
      const { status, body } = await system.get(`/state?fileName=sim.ndjson&blockNumber=${at}&includeRemoved=true`);
      expect(status).toBe(200);
      expect(collectionsOf(body)).toEqual(InMemoryRegistry.replay(blocks, at).collections(true));
    }
    const { body } = await system.get('/files/sim.ndjson/rejections');
    expect(body.rejections.map(({ blockNumber, index, code }: Record<string, unknown>) => ({ blockNumber, index, code }))).toEqual(
      reference.rejections.map(({ blockNumber, index, code }) => ({ blockNumber, index, code })),
    );
  });

  it('treats a job delivered again, in any order, as done without applying anything twice', async () => {
    const before = await system.meta('sim.ndjson');
    const digests = await system.redis.hmget(system.keys.file('sim.ndjson').digests, ...blocks.slice(0, 50).map((b) => String(b.number)));
    const jobs = blocks.slice(0, 50).map((block, i) => ({ fileName: 'sim.ndjson', generation: before!.generation, blockNumber: block.number, digest: digests[i]! }));
    const added = await system.queue.addBulk(
      jobs.reverse().map((data) => ({ name: APPLY_BLOCK_JOB, data, opts: { jobId: `${applyBlockJobId(data)}-again` } })),
    );
    await system.waitUntil(async () => (await Promise.all(added.map((job) => job.isCompleted()))).every(Boolean), 'the duplicates to complete');
    const results = await Promise.all(added.map(async (job) => (await system.queue.getJob(job.id!))!.returnvalue));
    expect(results.every((result) => result.outcome === 'applied' && result.blocksAppliedHere === 0)).toBe(true);
    expect(await system.meta('sim.ndjson')).toEqual(before);
  });
});
