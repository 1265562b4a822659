import { Block, InMemoryRegistry } from '@bqm/domain';
import { simulateBlocks } from '@bqm/simulation';
import type { Redis } from 'ioredis';
import { asStored, expectSameState, jobsOf, RedisTestKit, shuffled, sleep, storedBlocks, storeFile } from '../testing/redis-test-kit';
import { ApplyCancelledError, BatchReport, FileApplier, FileApplierOptions, FileStoppedError, JobOutcome } from './file-applier';
import { FileCatalog } from './file-catalog';
import { ApplyBlockJob } from './queue';
import { APPLY_BATCH } from './scripts';
import { StateReader } from './state-reader';

/** Integration tests against the real Redis: every key lives under the kit's random prefix. */
jest.setTimeout(60_000);

/**
 * Runs `work` over `items` with at most `concurrency` in flight, like a BullMQ worker's
 * concurrency. A failure stops every lane, and is thrown once all have stopped (so nothing still
 * writes under the test's prefix after it has been cleaned up).
 */
async function pool<T, R>(items: readonly T[], concurrency: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  let failed = false;
  const lanes = Array.from({ length: concurrency }, async () => {
    while (next < items.length && !failed) {
      const at = next++;
      try {
        results[at] = await work(items[at]);
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  });
  const settled = await Promise.allSettled(lanes);
  const failure = settled.find((lane): lane is PromiseRejectedResult => lane.status === 'rejected');
  if (failure) throw failure.reason;
  return results;
}

function expectedTotals(blocks: readonly Block[]) {
  const reference = InMemoryRegistry.replay(blocks);
  const events = blocks.reduce((sum, block) => sum + block.events.length, 0);
  return {
    reference,
    eventsApplied: events - reference.rejections.length,
    eventsRejected: reference.rejections.length,
  };
}

/** ~20 heights over the file: below its first block, its ends, and evenly spaced ones between. */
function heightsOf(blocks: readonly Block[], count = 20): number[] {
  const first = blocks[0].number;
  const last = blocks[blocks.length - 1].number;
  const heights = new Set([first - 1, first, last - 1, last]);
  for (let i = 1; heights.size < count; i++) heights.add(first + Math.floor(((last - first) * i) / (count - 3)));
  return [...heights].sort((a, b) => a - b);
}

/** Every check of a fully applied file against the in-memory replay of its blocks. */
async function expectExactlyApplied(kit: RedisTestKit, reader: StateReader, fileName: string, blocks: readonly Block[]) {
  const { reference, eventsApplied, eventsRejected } = expectedTotals(blocks);
  const last = blocks[blocks.length - 1].number;
  const meta = (await reader.fileMeta(fileName))!;
  expect(meta).toMatchObject({
    blockCount: blocks.length,
    blocksApplied: blocks.length,
    eventsApplied,
    eventsRejected,
    appliedThrough: last,
    processedThrough: last,
    status: 'active',
  });
  // One replay, snapshotted at each height on its way.
  const replay = new InMemoryRegistry();
  let next = 0;
  for (const height of heightsOf(blocks)) {
    while (next < blocks.length && blocks[next].number <= height) replay.applyBlock(blocks[next++]);
    for (const includeRemoved of [false, true]) {
      expectSameState(await reader.stateAt(meta, height, includeRemoved), replay.collections(includeRemoved), { height, includeRemoved });
    }
  }
  expect(await reader.rejections(fileName)).toEqual(reference.rejections);
  return meta;
}

describe('FileApplier: exactly once, whatever the appliers and the job order', () => {
  const kit = new RedisTestKit();
  // Rejections of every kind are part of the traffic (invalidShare), and removals and exits.
  const blocks = asStored(simulateBlocks({ seed: 1703, blocks: 1500, startBlock: 40, invalidShare: 0.08, compactShares: true }));

  afterAll(() => kit.close());

  it('the simulated file has what the test needs: rejections, removals, exits, liquidations', () => {
    const { reference, eventsRejected } = expectedTotals(blocks);
    expect(blocks).toHaveLength(1500);
    expect(eventsRejected).toBeGreaterThan(50);
    const all = reference.collections(true);
    expect(all.validators.some((validator) => validator.removed)).toBe(true);
    expect(all.validators.some((validator) => validator.status === 'exited')).toBe(true);
    expect(all.validators.some((validator) => validator.status === 'liquidated')).toBe(true);
    expect(all.operators.some((operator) => operator.removed)).toBe(true);
  });

  it.each([
    ['one lease holder at a time (default lease)', { leaseMs: 10_000 }],
    ['leases that expire at once, so every applier drains at the same time', { leaseMs: 1 }],
  ])('3 appliers, shuffled and duplicated jobs: %s', async (_label, lease: Partial<FileApplierOptions>) => {
    const fileName = `sim-${lease.leaseMs}.json`;
    const catalog = new FileCatalog(kit.connect(), kit.keys);
    const reader = new StateReader(kit.connect(), kit.keys);
    const { jobs } = await storeFile(catalog, fileName, blocks, { chunk: 500 });

    const reports: (BatchReport & { applier: number })[] = [];
    const appliers = [0, 1, 2].map(
      (i) =>
        new FileApplier(kit.connect(), kit.keys, { batchBlocks: 7, pollMs: 5, ...lease }, (report) => reports.push({ ...report, applier: i })),
    );
    // Every job once, 300 of them twice more (redeliveries), in a shuffled order dealt to the appliers.
    const duplicates = shuffled(jobs, 7).slice(0, 300);
    const deliveries = shuffled([...jobs, ...duplicates, ...duplicates], 42);
    const lanes = await Promise.allSettled(
      appliers.map((applier, i) =>
        pool(
          deliveries.filter((_, at) => at % appliers.length === i),
          4,
          (job) => applier.ensureApplied(job),
        ),
      ),
    );
    const failure = lanes.find((lane): lane is PromiseRejectedResult => lane.status === 'rejected');
    if (failure) throw failure.reason;
    const outcomes = lanes.flatMap((lane) => (lane.status === 'fulfilled' ? lane.value : []));

    expect(outcomes).toHaveLength(blocks.length + 600);
    // Each job found its block applied, or left it to the applier draining the file at the time.
    expect(outcomes.every((outcome) => outcome.outcome === 'applied' || outcome.outcome === 'delegated')).toBe(true);
    // Each block was written by exactly one successful batch: the batches tile the file, in order.
    const applied = outcomes.reduce((sum, outcome) => sum + ('blocksAppliedHere' in outcome ? outcome.blocksAppliedHere : 0), 0);
    expect(applied).toBe(blocks.length);
    const tiles = [...reports].sort((a, b) => a.fromBlock - b.fromBlock);
    expect(tiles.reduce((sum, report) => sum + report.blocks, 0)).toBe(blocks.length);
    tiles.forEach((report, i) => {
      expect(report.blocks).toBeLessThanOrEqual(7);
      if (i > 0) expect(report.fromBlock).toBe(tiles[i - 1].toBlock + 1);
    });
    expect(tiles[0].fromBlock).toBe(blocks[0].number);
    expect(tiles[tiles.length - 1].toBlock).toBe(blocks[blocks.length - 1].number);
    const { eventsApplied, eventsRejected } = expectedTotals(blocks);
    expect(reports.reduce((sum, report) => sum + report.eventsApplied, 0)).toBe(eventsApplied);
    expect(reports.reduce((sum, report) => sum + report.eventsRejected, 0)).toBe(eventsRejected);

    await expectExactlyApplied(kit, reader, fileName, blocks);

    // Applied payloads are dropped, the lease is given back, recent-block logs keep the reorg window only.
    const file = kit.keys.file(fileName);
    const redis = kit.connect();
    expect(await redis.hlen(file.payloads)).toBe(0);
    expect(await redis.exists(file.applyLease)).toBe(0);
    const last = blocks[blocks.length - 1].number;
    const stats = await redis.zrange(file.blockStats, 0, -1, 'WITHSCORES');
    const statBlocks = stats.filter((_, i) => i % 2 === 1).map(Number);
    expect(statBlocks).toEqual(Array.from({ length: 64 }, (_, i) => last - 63 + i));
  }, 120_000);
});

describe('FileApplier: the compare-and-set guard', () => {
  const kit = new RedisTestKit();
  const blocks = asStored(simulateBlocks({ seed: 77, blocks: 60, startBlock: 1 }));
  const newContent = asStored(simulateBlocks({ seed: 78, blocks: 30, startBlock: 1 }));
  let spy: jest.SpyInstance | undefined;

  afterEach(() => spy?.mockRestore());
  afterAll(() => kit.close());

  type Run = (redis: Redis, keys: readonly string[], args: readonly (string | number)[]) => Promise<unknown>;
  const originalRun: Run = APPLY_BATCH.run.bind(APPLY_BATCH) as Run;
  /** Lets the real script run, after `before(call)` (the n-th call, from 1) has done its mischief. */
  function interceptApplyBatch(before: (call: number, redis: Redis) => Promise<void>) {
    const replies: { redis: Redis; reply: [number, string] }[] = [];
    let calls = 0;
    spy = jest.spyOn(APPLY_BATCH, 'run').mockImplementation((async (redis: Redis, keys: readonly string[], args: readonly (string | number)[]) => {
      await before(++calls, redis);
      const reply = (await originalRun(redis, keys, args)) as [number, string];
      replies.push({ redis, reply });
      return reply;
    }) as never);
    return replies;
  }

  it('a batch prepared against an old appliedThrough is not written when another applier moved on', async () => {
    const fileName = 'stale-batch.json';
    const catalog = new FileCatalog(kit.connect(), kit.keys);
    const reader = new StateReader(kit.connect(), kit.keys);
    const { jobs } = await storeFile(catalog, fileName, blocks);
    const redisA = kit.connect();
    const redisB = kit.connect();
    // A's lease is short: while A's first batch is "slow", it runs out and B takes over and applies everything.
    const a = new FileApplier(redisA, kit.keys, { batchBlocks: 10, leaseMs: 300, pollMs: 10 });
    const b = new FileApplier(redisB, kit.keys, { batchBlocks: 10, leaseMs: 10_000, pollMs: 10 });
    let bOutcome: JobOutcome | undefined;
    let leaseLeftMs = 0;
    const replies = interceptApplyBatch(async (call, redis) => {
      if (call !== 1 || redis !== redisA) return;
      // A is slow: its lease runs out, and B's job, arriving then, takes the file over.
      leaseLeftMs = await redisB.pttl(kit.keys.file(fileName).applyLease);
      await sleep(leaseLeftMs + 20);
      bOutcome = await b.ensureApplied(jobs[jobs.length - 1]);
    });

    const aOutcome = await a.ensureApplied(jobs[0]);

    expect(aOutcome).toEqual({ outcome: 'applied', blocksAppliedHere: 0 });
    expect(bOutcome).toEqual({ outcome: 'applied', blocksAppliedHere: blocks.length });
    expect(leaseLeftMs).toBeGreaterThan(0);
    // B's six batches were written; A's stale one (prepared before any block was applied) was refused.
    expect(replies.map(({ redis, reply }) => [redis === redisA ? 'A' : 'B', reply[0]])).toEqual([
      ...Array.from({ length: 6 }, () => ['B', 1]),
      ['A', 0],
    ]);
    expect(replies[6].reply[1]).toBe('blocks were applied by another consumer');
    await expectExactlyApplied(kit, reader, fileName, blocks);
  }, 30_000);

  it('blocks applied by another applier while a batch is being read are not an error (their payloads are gone)', async () => {
    const fileName = 'payloads-gone.json';
    const catalog = new FileCatalog(kit.connect(), kit.keys);
    const reader = new StateReader(kit.connect(), kit.keys);
    const { jobs } = await storeFile(catalog, fileName, blocks);
    const redisA = kit.connect();
    const a = new FileApplier(redisA, kit.keys, { batchBlocks: 10, leaseMs: 300, pollMs: 10 });
    const b = new FileApplier(kit.connect(), kit.keys, { batchBlocks: 10, pollMs: 10 });
    // A has picked the numbers of its first batch; before it reads their payloads, its lease runs
    // out and B applies the whole file (deleting the payloads of what it applied).
    const zrange = redisA.zrange.bind(redisA) as (...args: unknown[]) => Promise<string[]>;
    let bOutcome: JobOutcome | undefined;
    const spyZrange = jest.spyOn(redisA, 'zrange').mockImplementation((async (...args: unknown[]) => {
      const numbers = await zrange(...args);
      if (!bOutcome) {
        await sleep(Math.max(0, await redisA.pttl(kit.keys.file(fileName).applyLease)) + 20);
        bOutcome = await b.ensureApplied(jobs[jobs.length - 1]);
      }
      return numbers;
    }) as never);
    try {
      expect(await a.ensureApplied(jobs[0])).toEqual({ outcome: 'applied', blocksAppliedHere: 0 });
    } finally {
      spyZrange.mockRestore();
    }
    expect(bOutcome).toEqual({ outcome: 'applied', blocksAppliedHere: blocks.length });
    await expectExactlyApplied(kit, reader, fileName, blocks);
  });

  it('the file dropped and replaced mid-drain: old-generation jobs are superseded and write nothing into the new one', async () => {
    const fileName = 'replaced.json';
    const catalog = new FileCatalog(kit.connect(), kit.keys);
    const reader = new StateReader(kit.connect(), kit.keys);
    const { meta: before, jobs: oldJobs } = await storeFile(catalog, fileName, blocks);
    let replacedGeneration = 0;
    const applier = new FileApplier(kit.connect(), kit.keys, { batchBlocks: 10, pollMs: 5 });
    const replies = interceptApplyBatch(async (call) => {
      if (call !== 2) return;
      // The first batch of the old content landed; the second is prepared when the file is replaced.
      await catalog.drop(fileName);
      const opened = await catalog.open(fileName, 'json');
      await catalog.storeBlocks(fileName, opened.generation, storedBlocks(newContent));
      await catalog.seal(fileName, opened.generation, undefined, true);
      replacedGeneration = opened.generation;
    });

    const outcome = await applier.ensureApplied(oldJobs[oldJobs.length - 1]);

    expect(outcome).toEqual({ outcome: 'superseded', reason: 'the file was replaced or deleted' });
    expect(replies.map(({ reply }) => reply)).toEqual([
      [1, '10'],
      [0, 'file was replaced'],
    ]);
    expect(replacedGeneration).toBeGreaterThan(before.generation);
    spy!.mockRestore();
    // Every other old job (a redelivery too) is superseded, and nothing lands in the new generation.
    for (const job of [...oldJobs.slice(0, 5), oldJobs[oldJobs.length - 1]]) {
      expect(await applier.ensureApplied(job)).toMatchObject({ outcome: 'superseded' });
    }
    const file = kit.keys.file(fileName);
    expect(await reader.fileMeta(fileName)).toMatchObject({
      generation: replacedGeneration,
      blockCount: newContent.length,
      appliedThrough: null,
      processedThrough: 0,
      blocksApplied: 0,
      eventsApplied: 0,
      eventsRejected: 0,
    });
    const keys = await kit.allKeys(`file:{${fileName}}:*`);
    expect(keys).toEqual([file.blocks, file.digests, file.meta, file.payloads].sort());
    expect(await kit.connect().hlen(file.payloads)).toBe(newContent.length);

    // The new generation's own jobs then apply the new content, exactly.
    const newJobs = jobsOf(fileName, replacedGeneration, newContent);
    expect(await applier.ensureApplied(newJobs[newJobs.length - 1])).toEqual({ outcome: 'applied', blocksAppliedHere: newContent.length });
    await expectExactlyApplied(kit, reader, fileName, newContent);
  }, 30_000);

  it('a file dropped mid-drain (not re-created): the batch is refused and no key of the file comes back', async () => {
    const fileName = 'dropped.json';
    const catalog = new FileCatalog(kit.connect(), kit.keys);
    const { jobs } = await storeFile(catalog, fileName, blocks);
    const applier = new FileApplier(kit.connect(), kit.keys, { batchBlocks: 10, pollMs: 5 });
    const replies = interceptApplyBatch(async (call) => {
      if (call === 3) await catalog.drop(fileName);
    });

    expect(await applier.ensureApplied(jobs[40])).toEqual({ outcome: 'superseded', reason: 'the file was replaced or deleted' });
    expect(replies.map(({ reply }) => reply)).toEqual([
      [1, '10'],
      [1, '20'],
      [0, 'file is gone'],
    ]);
    expect(await kit.allKeys(`file:{${fileName}}:*`)).toEqual([]);
    expect(await catalog.meta(fileName)).toBeNull();
  }, 30_000);

  it('a job whose block content was replaced (same generation, other digest) is superseded', async () => {
    const fileName = 'digest.json';
    const catalog = new FileCatalog(kit.connect(), kit.keys);
    const { jobs } = await storeFile(catalog, fileName, blocks.slice(0, 5));
    const applier = new FileApplier(kit.connect(), kit.keys, { pollMs: 5 });
    const stale: ApplyBlockJob = { ...jobs[2], digest: 'f'.repeat(32) };
    expect(await applier.ensureApplied(stale)).toEqual({ outcome: 'superseded', reason: 'the block was replaced by newer content' });
    expect((await catalog.meta(fileName))!.appliedThrough).toBeNull();
  });

  it('a stopped file: the job fails with FileStoppedError and no batch is written', async () => {
    const fileName = 'stopped.json';
    const catalog = new FileCatalog(kit.connect(), kit.keys);
    const { jobs } = await storeFile(catalog, fileName, blocks.slice(0, 5));
    const redis = kit.connect();
    await redis.hset(kit.keys.file(fileName).meta, 'status', 'stopped', 'error', 'reorganisation deeper than the window');
    const applier = new FileApplier(redis, kit.keys, { pollMs: 5 });
    await expect(applier.ensureApplied(jobs[0])).rejects.toThrow(
      new FileStoppedError(fileName, 'reorganisation deeper than the window'),
    );
    expect(await catalog.meta(fileName)).toMatchObject({ appliedThrough: null, blocksApplied: 0 });
  });
});

describe('FileApplier: the lease', () => {
  const kit = new RedisTestKit();
  const blocks = asStored(simulateBlocks({ seed: 5, blocks: 40, startBlock: 1 }));

  afterAll(() => kit.close());

  it('waits while a vanished holder still has the lease, then takes over once it expires', async () => {
    const fileName = 'ghost.json';
    const catalog = new FileCatalog(kit.connect(), kit.keys);
    const reader = new StateReader(kit.connect(), kit.keys);
    const { jobs } = await storeFile(catalog, fileName, blocks);
    const redis = kit.connect();
    const lease = kit.keys.file(fileName).applyLease;
    await redis.set(lease, 'consumer-that-died', 'PX', 1500);

    const applier = new FileApplier(kit.connect(), kit.keys, { batchBlocks: 8, pollMs: 20 });
    const started = Date.now();
    const running = applier.ensureApplied(jobs[jobs.length - 1]);
    await sleep(200);
    // Still the dead holder's: nothing applied meanwhile.
    const [[, holder], [, appliedThrough]] = (await redis.multi().get(lease).hget(kit.keys.file(fileName).meta, 'appliedThrough').exec())!;
    expect(holder).toBe('consumer-that-died');
    expect(appliedThrough).toBe('');

    expect(await running).toEqual({ outcome: 'applied', blocksAppliedHere: blocks.length });
    expect(Date.now() - started).toBeGreaterThanOrEqual(1450);
    expect(await redis.exists(lease)).toBe(0);
    await expectExactlyApplied(kit, reader, fileName, blocks);
  }, 30_000);

  it('a job waiting for someone else\'s lease goes back when its consumer stops (ApplyCancelledError)', async () => {
    const fileName = 'cancel.json';
    const catalog = new FileCatalog(kit.connect(), kit.keys);
    const { jobs } = await storeFile(catalog, fileName, blocks);
    const redis = kit.connect();
    await redis.set(kit.keys.file(fileName).applyLease, 'someone-else', 'PX', 10_000);
    const applier = new FileApplier(kit.connect(), kit.keys, { pollMs: 10 });
    let stopping = false;
    const running = applier.ensureApplied(jobs[3], () => stopping);
    await sleep(100);
    stopping = true;
    await expect(running).rejects.toThrow(ApplyCancelledError);
    expect((await catalog.meta(fileName))!.appliedThrough).toBeNull();
  });

  it('jobs that find the file being drained (same generation) are delegated at once, and the drain applies their blocks before it lets go', async () => {
    const fileName = 'delegated.json';
    const catalog = new FileCatalog(kit.connect(), kit.keys);
    const reader = new StateReader(kit.connect(), kit.keys);
    const { jobs } = await storeFile(catalog, fileName, blocks);
    let others: Promise<JobOutcome[]> | undefined;
    let othersDoneAt = 0;
    let batches = 0;
    const other = new FileApplier(kit.connect(), kit.keys, { batchBlocks: 1, pollMs: 10_000 });
    const applier = new FileApplier(kit.connect(), kit.keys, { batchBlocks: 1, pollMs: 10_000 }, () => {
      batches += 1;
      // Once the first job's drain is under way, the others arrive (at another applier, as in another consumer).
      if (others) return;
      others = Promise.all(jobs.slice(1).map((job) => other.ensureApplied(job))).then((outcomes) => {
        othersDoneAt = batches;
        return outcomes;
      });
    });
    const first = await applier.ensureApplied(jobs[0]);
    const rest = await others!;
    expect(rest).toEqual(jobs.slice(1).map(() => ({ outcome: 'delegated', blocksAppliedHere: 0 })));
    // They ended while the drain was still early on; it went on to apply every block.
    expect(othersDoneAt).toBeLessThan(blocks.length / 2);
    expect(first).toEqual({ outcome: 'applied', blocksAppliedHere: blocks.length });
    const redis = kit.connect();
    expect(await redis.exists(kit.keys.file(fileName).applyLease)).toBe(0);
    expect(await redis.exists(kit.keys.file(fileName).moreBlocks)).toBe(0);
    await expectExactlyApplied(kit, reader, fileName, blocks);
  });

  it('busy blocks apply: one block of 50,000 events, and batches that end by their events', async () => {
    const fileName = 'busy.json';
    const catalog = new FileCatalog(kit.connect(), kit.keys);
    const reader = new StateReader(kit.connect(), kit.keys);
    const owner = `0x${'1'.repeat(40)}`;
    const key = (n: number) => `0x${n.toString(16).padStart(96, '0')}`;
    const busy: Block[] = [
      { number: 1, events: Array.from({ length: 50_000 }, (_, i) => ({ type: 'OperatorAdded', operatorId: i + 1, owner, publicKey: `key ${i}`, fee: '1' })) },
      ...Array.from({ length: 30 }, (_, b) => ({
        number: b + 2,
        events: Array.from({ length: 40 }, (_, i) => ({ type: 'ValidatorAdded', owner, operatorIds: [1, 2, 3, 4], publicKey: key(b * 40 + i) })),
      })),
    ];
    const { jobs } = await storeFile(catalog, fileName, busy);
    const reports: BatchReport[] = [];
    const applier = new FileApplier(kit.connect(), kit.keys, { batchBlocks: 200, batchEvents: 500 }, (report) => reports.push(report));
    expect(await applier.ensureApplied(jobs[jobs.length - 1])).toEqual({ outcome: 'applied', blocksAppliedHere: busy.length });
    // The 50,000-event block alone, then batches of at most 500 events (12 blocks of 40).
    expect(reports.map((report) => report.blocks)).toEqual([1, 12, 12, 6]);
    const meta = (await catalog.meta(fileName))!;
    expect(meta).toMatchObject({ processedThrough: 31, eventsApplied: 51_200, eventsRejected: 0 });
    const state = await reader.stateAt(meta, 31, false);
    expect(state.operators).toHaveLength(50_000);
    expect(state.validators).toHaveLength(1200);
    expect(state.operators.slice(0, 4).map((operator) => operator.validatorCount)).toEqual([1200, 1200, 1200, 1200]);
  }, 120_000);

  it('the dead holder\'s own job, delivered again with its block applied, still takes up the word left for it', async () => {
    const fileName = 'redelivered.json';
    const catalog = new FileCatalog(kit.connect(), kit.keys);
    const reader = new StateReader(kit.connect(), kit.keys);
    const { jobs, meta } = await storeFile(catalog, fileName, blocks);
    // The holder applied the first blocks and died; later jobs had left word and ended.
    let reached = false;
    const dying = new FileApplier(kit.connect(), kit.keys, { batchBlocks: 4 }, (report) => (reached ||= report.toBlock >= blocks[3].number));
    await expect(dying.ensureApplied(jobs[0], () => reached)).rejects.toThrow(ApplyCancelledError);
    const redis = kit.connect();
    await redis.set(kit.keys.file(fileName).moreBlocks, '1');
    expect((await catalog.meta(fileName))!.appliedThrough).toBe(blocks[3].number);
    expect(meta.generation).toBe(1);
    const again = new FileApplier(kit.connect(), kit.keys, { batchBlocks: 8 });
    expect(await again.ensureApplied(jobs[0])).toEqual({ outcome: 'applied', blocksAppliedHere: blocks.length - 4 });
    expect(await redis.exists(kit.keys.file(fileName).moreBlocks)).toBe(0);
    await expectExactlyApplied(kit, reader, fileName, blocks);
  });

  it('word left for a holder that died is taken up by the next job once the lease expires', async () => {
    const fileName = 'orphaned.json';
    const catalog = new FileCatalog(kit.connect(), kit.keys);
    const reader = new StateReader(kit.connect(), kit.keys);
    const { jobs, meta } = await storeFile(catalog, fileName, blocks);
    const lease = kit.keys.file(fileName).applyLease;
    const redis = kit.connect();
    await redis.set(lease, `dead-consumer|${meta.generation}`, 'PX', 800);
    const applier = new FileApplier(kit.connect(), kit.keys, { batchBlocks: 8, pollMs: 20 });
    // While the dead holder's lease lasts, jobs leave word and end.
    expect(await applier.ensureApplied(jobs[5])).toEqual({ outcome: 'delegated', blocksAppliedHere: 0 });
    expect(await redis.get(kit.keys.file(fileName).moreBlocks)).toBe('1');
    await sleep(850);
    // Then a job (another one, or the dead holder's own, delivered again) applies everything.
    expect(await applier.ensureApplied(jobs[0])).toEqual({ outcome: 'applied', blocksAppliedHere: blocks.length });
    await expectExactlyApplied(kit, reader, fileName, blocks);
  });
});
