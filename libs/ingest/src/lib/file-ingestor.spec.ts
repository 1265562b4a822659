import { blockDigest, canonicalBlockJson } from '@bqm/block-files';
import { Block, InMemoryRegistry } from '@bqm/domain';
import { simulateBlocks } from '@bqm/simulation';
import { encodeSsvEvent } from '@bqm/ssv-logs';
import {
  APPLY_BLOCK_JOB,
  ApplyBlockJob,
  applyBlockJobId,
  BLOCKS_QUEUE,
  BlockQueue,
  BullBlockQueue,
  FileApplier,
  FileBusyError,
  FileCatalog,
  FileMeta,
  StateReader,
  StoreKeys,
} from '@bqm/store';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeAbiParameters, keccak256, toHex } from 'viem';
import { FileIngestor, IngestRefusedError } from './file-ingestor';

/**
 * FileIngestor against the real Redis and a real BullMQ queue, each test under a key prefix of
 * its own (store keys and queue keys alike), deleted afterwards.
 */
jest.setTimeout(60_000);

const REDIS_URL = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';

/** The blocks as a consumer sees them: parsed back from their canonical JSON (what the reference replays). */
const asStored = (blocks: readonly Block[]): Block[] => blocks.map((block) => JSON.parse(canonicalBlockJson(block)) as Block);

/** One test's world: a prefix, its connections, the ingestor over a BullMQ queue, and a look at that queue. */
class World {
  readonly prefix = `bqmtest-${randomBytes(6).toString('hex')}`;
  readonly keys = new StoreKeys(this.prefix);
  private readonly connections: Redis[] = [];
  readonly redis = this.connect();
  readonly bull = BullBlockQueue.create(this.connect(), this.prefix);
  readonly queue = new Queue(BLOCKS_QUEUE, { connection: this.connect(), prefix: this.prefix });
  readonly catalog = new FileCatalog(this.redis, this.keys);
  readonly reader = new StateReader(this.redis, this.keys);
  readonly dir = mkdtempSync(join(tmpdir(), 'bqm-ingest-spec-'));

  connect(): Redis {
    const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
    this.connections.push(redis);
    return redis;
  }

  ingestor(queue: BlockQueue = this.bull): FileIngestor {
    return new FileIngestor(this.connect(), this.keys, queue);
  }

  write(name: string, content: unknown, format: 'json' | 'ndjson' = 'json'): string {
    const path = join(this.dir, name);
    const text =
      format === 'ndjson' ? (content as Block[]).map((block) => JSON.stringify(block)).join('\n') : JSON.stringify(content, null, 1);
    writeFileSync(path, text);
    return path;
  }

  /** Every job in the queue, whatever its state, as id → data. */
  async jobs(): Promise<Map<string, ApplyBlockJob>> {
    const jobs = await this.queue.getJobs(['waiting', 'active', 'delayed', 'prioritized', 'paused', 'completed', 'failed']);
    return new Map(jobs.map((job) => [job.id!, job.data as ApplyBlockJob]));
  }

  /** What a consumer does: apply every stored block (one applier, jobs taken in order). */
  async applyAll(fileName: string): Promise<FileMeta> {
    const meta = (await this.catalog.meta(fileName))!;
    const last = (await this.redis.zrange(this.keys.file(fileName).blocks, -1, -1))[0];
    const digest = (await this.redis.hget(this.keys.file(fileName).digests, last))!;
    const applier = new FileApplier(this.connect(), this.keys, { batchBlocks: 50, pollMs: 5 });
    await applier.ensureApplied({ fileName, generation: meta.generation, blockNumber: Number(last), digest });
    return (await this.catalog.meta(fileName))!;
  }

  /** The jobs are done and BullMQ trimmed them (or they were lost): the queue is empty. */
  async emptyQueue(): Promise<void> {
    await this.queue.obliterate({ force: true });
    expect((await this.jobs()).size).toBe(0);
  }

  async close(): Promise<void> {
    await this.bull.close();
    await this.queue.close();
    let cursor = '0';
    do {
      const [next, keys] = await this.redis.scan(cursor, 'MATCH', `${this.prefix}:*`, 'COUNT', 1000);
      if (keys.length) await this.redis.unlink(...keys);
      cursor = next;
    } while (cursor !== '0');
    await Promise.all(this.connections.map((redis) => redis.quit().catch(() => redis.disconnect())));
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** The job ids the ingest must use for these blocks. */
function expectedJobs(fileName: string, generation: number, blocks: readonly Block[]): Map<string, ApplyBlockJob> {
  return new Map(
    blocks.map((block) => {
      const job = { fileName, generation, blockNumber: block.number, digest: blockDigest(block) };
      return [applyBlockJobId(job), job];
    }),
  );
}

const sorted = (map: Map<string, ApplyBlockJob>) => [...map.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));

describe('FileIngestor', () => {
  let world: World;
  const blocks = asStored(simulateBlocks({ seed: 31, blocks: 300, startBlock: 1000 }));

  beforeEach(() => {
    world = new World();
  });
  afterEach(() => world.close());

  it('a new file: stored whole, one job per block under the documented job id, sealed', async () => {
    const path = world.write('new.json', blocks);
    const result = await world.ingestor().ingest(path);

    expect(result).toMatchObject({ fileName: 'new.json', outcome: 'new', blocksInFile: 300, blocksQueued: 300, firstQueuedBlock: 1000 });
    expect(result.meta).toMatchObject({ generation: 1, format: 'json', sealed: true, blockCount: 300, firstBlock: 1000, lastBlock: 1299, processedThrough: 999 });
    expect(sorted(await world.jobs())).toEqual(sorted(expectedJobs('new.json', 1, blocks)));
    const [job] = await world.queue.getJobs(['waiting'], 0, 0);
    expect(job.name).toBe(APPLY_BLOCK_JOB);
    expect(job.opts).toMatchObject({ attempts: 8, removeOnFail: false });
    expect(await world.redis.hget(world.keys.file('new.json').payloads, '1000')).toBe(canonicalBlockJson(blocks[0]));

    const done = await world.applyAll('new.json');
    expect(done).toMatchObject({ processedThrough: 1299, blocksApplied: 300 });
    expect(await world.reader.stateAt(done, 1299, true)).toEqual(InMemoryRegistry.replay(blocks).collections(true));
  });

  it('NDJSON under another name', async () => {
    const path = world.write('any-file-name.ndjson', blocks, 'ndjson');
    const result = await world.ingestor().ingest(path, { name: 'sim.ndjson' });
    expect(result).toMatchObject({ fileName: 'sim.ndjson', outcome: 'new', blocksQueued: 300 });
    expect(result.meta.format).toBe('ndjson');
    expect(sorted(await world.jobs())).toEqual(sorted(expectedJobs('sim.ndjson', 1, blocks)));
  });

  it('the same content again (other formatting): unchanged, and no new job', async () => {
    await world.ingestor().ingest(world.write('same.json', blocks));
    const before = await world.catalog.meta('same.json');
    const jobsBefore = sorted(await world.jobs());

    // Other key order and spacing, same blocks. Their jobs are still queued: re-added, deduplicated.
    const reordered = blocks.map((block) => Object.fromEntries(Object.entries(block).reverse()));
    writeFileSync(join(world.dir, 'same.json'), JSON.stringify(reordered));
    const again = await world.ingestor().ingest(join(world.dir, 'same.json'));
    expect(again).toMatchObject({ outcome: 'unchanged', blocksQueued: 0, firstQueuedBlock: null, blocksInFile: 300 });
    expect(sorted(await world.jobs())).toEqual(jobsBefore);
    expect({ ...again.meta, updatedAt: 0 }).toEqual({ ...before, updatedAt: 0 });

    // Once applied and their jobs gone, an unchanged file queues nothing at all.
    await world.applyAll('same.json');
    await world.emptyQueue();
    const third = await world.ingestor().ingest(join(world.dir, 'same.json'));
    expect(third).toMatchObject({ outcome: 'unchanged', blocksQueued: 0 });
    expect((await world.jobs()).size).toBe(0);
    expect(third.meta).toMatchObject({ blocksApplied: 300, processedThrough: 1299 });
  });

  it('appended blocks: only those are queued, after the applied ones', async () => {
    const longer = asStored(simulateBlocks({ seed: 31, blocks: 340, startBlock: 1000 }));
    expect(longer.slice(0, 300)).toEqual(blocks);
    await world.ingestor().ingest(world.write('grows.json', blocks));
    await world.applyAll('grows.json');
    await world.emptyQueue();

    const result = await world.ingestor().ingest(world.write('grows.json', longer));
    expect(result).toMatchObject({ outcome: 'appended', blocksInFile: 340, blocksQueued: 40, firstQueuedBlock: 1300 });
    expect(result.meta).toMatchObject({ generation: 1, blockCount: 340, lastBlock: 1339, processedThrough: 1299, blocksApplied: 300 });
    expect(sorted(await world.jobs())).toEqual(sorted(expectedJobs('grows.json', 1, longer.slice(300))));

    const done = await world.applyAll('grows.json');
    expect(done).toMatchObject({ processedThrough: 1339, blocksApplied: 340 });
    const reference = InMemoryRegistry.replay(longer);
    expect(done.eventsRejected).toBe(reference.rejections.length);
    expect(await world.reader.stateAt(done, 1339, true)).toEqual(reference.collections(true));
  });

  it('appended while the first blocks are still queued: their jobs are not doubled', async () => {
    const longer = asStored(simulateBlocks({ seed: 31, blocks: 310, startBlock: 1000 }));
    await world.ingestor().ingest(world.write('queued.json', blocks));
    const result = await world.ingestor().ingest(world.write('queued.json', longer));
    expect(result).toMatchObject({ outcome: 'appended', blocksQueued: 10, firstQueuedBlock: 1300 });
    expect(sorted(await world.jobs())).toEqual(sorted(expectedJobs('queued.json', 1, longer)));
  });

  it('a difference deeper than the reorganisation window is refused, naming the block; state and queue are left as they were', async () => {
    // No hashes: a hand-made file, not chain data, so a deep difference is refused, not a stop.
    const plain = blocks.map(({ hash: _hash, parentHash: _parent, ...block }) => block);
    await world.ingestor().ingest(world.write('differs.json', plain));
    await world.applyAll('differs.json');
    const before = await world.catalog.meta('differs.json');
    const jobsBefore = sorted(await world.jobs());

    const changed = plain.map((block) => (block.number === 1150 ? { ...block, events: [] } : block));
    await expect(world.ingestor().ingest(world.write('differs.json', changed))).rejects.toThrow(
      new IngestRefusedError(
        'differs.json: block 1150 differs from the block 1150 ingested before, and the change from block 1150 reaches 150 applied blocks back ' +
          '(applied through block 1299), deeper than the reorganisation window of 64 blocks ' +
          '(use --replace to drop its state and ingest it anew, or --name to ingest it under another name)',
      ),
    );
    const missing = plain.filter((block) => block.number !== 1010);
    await expect(world.ingestor().ingest(world.write('differs.json', missing))).rejects.toThrow(
      'block 1010, ingested before, is missing from the file, and the change from block 1010 reaches 290 applied blocks back',
    );
    expect({ ...(await world.catalog.meta('differs.json')), updatedAt: 0 }).toEqual({ ...before, updatedAt: 0 });
    expect(sorted(await world.jobs())).toEqual(jobsBefore);
    expect(await world.redis.exists(world.keys.file('differs.json').ingestLock)).toBe(0);
  });

  it('a difference within the window is a reorganisation: the blocks from there are replaced and the state follows', async () => {
    await world.ingestor().ingest(world.write('reorg.json', blocks));
    await world.applyAll('reorg.json');
    const changed = blocks.map((block) => (block.number === 1280 ? { ...block, events: [] } : block));
    const result = await world.ingestor().ingest(world.write('reorg.json', changed));
    expect(result).toMatchObject({ outcome: 'reorganised', reorganisedFrom: 1280, blocksQueued: 20 });
    expect(result.meta).toMatchObject({ rewindTo: 1279, processedThrough: 1279, reorgs: 1, lastReorgBlock: 1280 });
    const meta = await world.applyAll('reorg.json');
    const reference = InMemoryRegistry.replay(asStored(changed));
    expect(meta).toMatchObject({ rewindTo: null, processedThrough: 1299, blocksApplied: 300, eventsRejected: reference.rejections.length });
    expect(await world.reader.stateAt(meta, 1299, true)).toEqual(reference.collections(true));
    // A shorter file is a difference too: its missing blocks were taken out by the chain.
    const shorter = await world.ingestor().ingest(world.write('reorg.json', changed.slice(0, 290)));
    expect(shorter).toMatchObject({ outcome: 'reorganised', reorganisedFrom: 1290, blocksQueued: 0 });
    expect(await world.applyAll('reorg.json')).toMatchObject({ processedThrough: 1289, blocksApplied: 290, lastBlock: 1289 });
  });

  it('a chain reorganisation deeper than the window stops the file, and later ingests say so', async () => {
    await world.ingestor().ingest(world.write('deep.json', blocks));
    const applied = await world.applyAll('deep.json');
    const changed = blocks.map((block) => (block.number === 1150 ? { ...block, events: [] } : block));
    await expect(world.ingestor().ingest(world.write('deep.json', changed))).rejects.toThrow('the file is stopped at block 1149');
    const meta = await world.catalog.meta('deep.json');
    expect(meta).toMatchObject({ status: 'stopped', processedThrough: 1149, blocksApplied: applied.blocksApplied, eventsApplied: applied.eventsApplied });
    expect(meta!.error).toContain('a chain reorganisation: the change from block 1150 reaches 150 applied blocks back');
    await expect(world.ingestor().ingest(world.write('deep.json', changed))).rejects.toThrow('deep.json is stopped');
    // Given the content it had, it goes on as it was.
    const resumed = await world.ingestor().ingest(world.write('deep.json', blocks));
    expect(resumed).toMatchObject({ outcome: 'unchanged' });
    expect(resumed.meta).toMatchObject({ status: 'active', error: null, processedThrough: 1299, blocksApplied: applied.blocksApplied });
  });

  it('blocks within the coverage declared by toBlock may be replaced later (a reorganisation); a smaller toBlock is refused; a larger one alone is an append', async () => {
    await world.ingestor().ingest(world.write('covered.json', { toBlock: 1400, blocks }));
    expect(await world.applyAll('covered.json')).toMatchObject({ toBlock: 1400, processedThrough: 1400 });
    await expect(world.ingestor().ingest(world.write('covered.json', { toBlock: 1399, blocks }))).rejects.toThrow(
      'the file covered blocks up to 1400 before (toBlock), and now ends at 1399',
    );

    const wider = await world.ingestor().ingest(world.write('covered.json', { toBlock: 1500, blocks }));
    expect(wider).toMatchObject({ outcome: 'appended', blocksQueued: 0 });
    expect(wider.meta).toMatchObject({ toBlock: 1500, processedThrough: 1500 });
    const same = await world.ingestor().ingest(world.write('covered.json', { toBlock: 1500, blocks }));
    expect(same.outcome).toBe('unchanged');

    const late = await world.ingestor().ingest(world.write('covered.json', { toBlock: 1500, blocks: [...blocks, { number: 1350, events: [] }] }));
    expect(late).toMatchObject({ outcome: 'reorganised', reorganisedFrom: 1350, blocksQueued: 1 });
    // Blocks 1300-1349 stay covered; nothing from 1350 on is answered until block 1350 is applied.
    expect(late.meta.processedThrough).toBe(1349);
    expect(await world.applyAll('covered.json')).toMatchObject({ processedThrough: 1500, lastBlock: 1350 });
  });

  it('replace: the old state is dropped, the new content queued under a new generation, old jobs superseded', async () => {
    await world.ingestor().ingest(world.write('replaced.json', blocks));
    const old = await world.applyAll('replaced.json');
    expect(old.blocksApplied).toBe(300);
    const oldJobs = [...expectedJobs('replaced.json', 1, blocks).values()];

    const other = asStored(simulateBlocks({ seed: 32, blocks: 120, startBlock: 1000 }));
    const result = await world.ingestor().ingest(world.write('replaced.json', other), { replace: true });
    expect(result).toMatchObject({ outcome: 'replaced', blocksInFile: 120, blocksQueued: 120 });
    expect(result.meta.generation).toBeGreaterThan(1);
    expect(result.meta).toMatchObject({ blockCount: 120, lastBlock: 1119, appliedThrough: null, blocksApplied: 0, eventsApplied: 0, eventsRejected: 0 });
    // Nothing of the old state is left: no entity head, version, rejection or statistic.
    const keys = await world.redis.keys(`${world.prefix}:file:{replaced.json}:*`);
    expect(keys.map((key) => key.slice(key.indexOf('}:') + 2)).sort()).toEqual(['blocks', 'digests', 'meta', 'payloads']);
    const newJobs = expectedJobs('replaced.json', result.meta.generation, other);
    const queued = await world.jobs();
    for (const [id, job] of newJobs) expect(queued.get(id)).toEqual(job);

    const applier = new FileApplier(world.connect(), world.keys, { pollMs: 5 });
    for (const job of [oldJobs[0], oldJobs[299]]) {
      expect(await applier.ensureApplied(job)).toEqual({ outcome: 'superseded', reason: 'the file was replaced or deleted' });
    }
    const done = await world.applyAll('replaced.json');
    const reference = InMemoryRegistry.replay(other);
    expect(done).toMatchObject({ processedThrough: 1119, blocksApplied: 120, eventsRejected: reference.rejections.length });
    expect(await world.reader.stateAt(done, 1119, true)).toEqual(reference.collections(true));
    expect(await world.reader.rejections('replaced.json')).toEqual(reference.rejections);
  });

  it('replace while consumers are mid-file: old jobs write nothing into the new content', async () => {
    await world.ingestor().ingest(world.write('busy.json', blocks));
    const oldJobs = [...expectedJobs('busy.json', 1, blocks).values()];
    // A consumer applies part of the old content, then stops.
    let batches = 0;
    const applier = new FileApplier(world.connect(), world.keys, { batchBlocks: 20, pollMs: 5 }, () => batches++);
    await expect(applier.ensureApplied(oldJobs[299], () => batches >= 3)).rejects.toThrow('stopped before the block was applied');
    expect(await world.catalog.meta('busy.json')).toMatchObject({ appliedThrough: 1059, blocksApplied: 60 });

    const other = asStored(simulateBlocks({ seed: 33, blocks: 100, startBlock: 1000 }));
    const result = await world.ingestor().ingest(world.write('busy.json', other), { replace: true });
    expect(result.outcome).toBe('replaced');
    // The old jobs still in the queue come to a consumer: superseded, nothing written.
    const outcomes = await Promise.all(oldJobs.slice(50, 80).map((job) => applier.ensureApplied(job)));
    expect(outcomes.every((outcome) => outcome.outcome === 'superseded')).toBe(true);
    expect(await world.catalog.meta('busy.json')).toMatchObject({ appliedThrough: null, blocksApplied: 0 });
    const done = await world.applyAll('busy.json');
    expect(done).toMatchObject({ blocksApplied: 100, processedThrough: 1099 });
    expect(await world.reader.stateAt(done, 1099, false)).toEqual(InMemoryRegistry.replay(other).collections(false));
  });

  describe('a crash between storing blocks and queueing their jobs is repaired by ingesting again', () => {
    it('blocks stored, no job queued, not sealed: the re-run queues every job once', async () => {
      const path = world.write('crashed.json', blocks);
      const opened = await world.catalog.open('crashed.json', 'json');
      await world.catalog.storeBlocks(
        'crashed.json',
        opened.generation,
        blocks.map((block) => ({ number: block.number, payload: canonicalBlockJson(block), digest: blockDigest(block) })),
      );
      expect((await world.jobs()).size).toBe(0);

      const result = await world.ingestor().ingest(path);
      expect(result.meta).toMatchObject({ sealed: true, blockCount: 300 });
      expect(result.blocksQueued).toBe(0); // no block was new: their jobs were re-added
      expect(sorted(await world.jobs())).toEqual(sorted(expectedJobs('crashed.json', opened.generation, blocks)));
      await world.ingestor().ingest(path);
      expect((await world.jobs()).size).toBe(300);
      expect(await world.applyAll('crashed.json')).toMatchObject({ processedThrough: 1299, blocksApplied: 300 });
    });

    it('a prefix stored without jobs: the rest is stored, and every job of the file is queued', async () => {
      const opened = await world.catalog.open('half.json', 'json');
      await world.catalog.storeBlocks(
        'half.json',
        opened.generation,
        blocks.slice(0, 180).map((block) => ({ number: block.number, payload: canonicalBlockJson(block), digest: blockDigest(block) })),
      );
      const result = await world.ingestor().ingest(world.write('half.json', blocks));
      expect(result).toMatchObject({ outcome: 'appended', blocksQueued: 120, firstQueuedBlock: 1180 });
      expect(sorted(await world.jobs())).toEqual(sorted(expectedJobs('half.json', opened.generation, blocks)));
    });

    it('jobs lost from the queue: re-added under the same ids (and deduplicated when run again)', async () => {
      const path = world.write('lost.json', blocks);
      await world.ingestor().ingest(path);
      // Part applied, then the queue lost everything.
      const applier = new FileApplier(world.connect(), world.keys, { batchBlocks: 25, pollMs: 5 });
      let batches = 0;
      const counting = new FileApplier(world.connect(), world.keys, { batchBlocks: 25, pollMs: 5 }, () => batches++);
      await expect(counting.ensureApplied([...expectedJobs('lost.json', 1, blocks).values()][299], () => batches >= 4)).rejects.toThrow();
      expect((await world.catalog.meta('lost.json'))!.appliedThrough).toBe(1099);
      await world.emptyQueue();

      const result = await world.ingestor().ingest(path);
      expect(result).toMatchObject({ outcome: 'unchanged', blocksQueued: 0 });
      const unapplied = blocks.filter((block) => block.number > 1099);
      expect(sorted(await world.jobs())).toEqual(sorted(expectedJobs('lost.json', 1, unapplied)));
      await world.ingestor().ingest(path);
      expect((await world.jobs()).size).toBe(200);

      expect(await applier.ensureApplied([...expectedJobs('lost.json', 1, unapplied).values()][0])).toEqual({
        outcome: 'applied',
        blocksAppliedHere: 200,
      });
      expect(await world.catalog.meta('lost.json')).toMatchObject({ processedThrough: 1299, blocksApplied: 300 });
    });
  });

  describe('the ingest lock', () => {
    /** A queue whose enqueue waits for `open()`: the ingest holding it keeps the file's lock meanwhile. */
    class GatedQueue implements BlockQueue {
      private openGate!: () => void;
      private readonly gate = new Promise<void>((resolve) => (this.openGate = resolve));
      private enter!: () => void;
      /** Resolves when the ingest first tries to queue. */
      readonly entered = new Promise<void>((resolve) => (this.enter = resolve));
      constructor(private readonly inner: BlockQueue) {}
      async enqueue(jobs: readonly ApplyBlockJob[]): Promise<void> {
        this.enter();
        await this.gate;
        await this.inner.enqueue(jobs);
      }
      requestRewind(fileName: string, generation: number, target: number, epoch: number): Promise<void> {
        return this.inner.requestRewind(fileName, generation, target, epoch);
      }
      retryFailed(fileName: string): Promise<number> {
        return this.inner.retryFailed(fileName);
      }
      open(): void {
        this.openGate();
      }
    }

    it('two concurrent ingests of one name run one after the other; a third party gives up with FileBusyError', async () => {
      const path = world.write('contended.json', blocks);
      const gated = new GatedQueue(world.bull);
      const first = world.ingestor(gated).ingest(path);
      await gated.entered; // the first holds the lock, midway through queueing
      const lock = world.keys.file('contended.json').ingestLock;
      expect(await world.redis.exists(lock)).toBe(1);

      let secondDone = false;
      const second = world
        .ingestor()
        .ingest(path)
        .finally(() => (secondDone = true));
      const started = Date.now();
      await expect(world.catalog.withIngestLock('contended.json', async () => 'never', 400)).rejects.toThrow(
        new FileBusyError('contended.json'),
      );
      expect(Date.now() - started).toBeGreaterThanOrEqual(400);
      expect(secondDone).toBe(false);

      gated.open();
      const results = await Promise.all([first, second]);
      expect(results.map((result) => result.outcome)).toEqual(['new', 'unchanged']);
      expect(results[1].meta.generation).toBe(1);
      expect(sorted(await world.jobs())).toEqual(sorted(expectedJobs('contended.json', 1, blocks)));
      expect(await world.redis.exists(lock)).toBe(0);
    });

    it('an ingest waits out the lock of a producer that died holding it', async () => {
      const lock = world.keys.file('orphan.json').ingestLock;
      await world.redis.set(lock, 'a-producer-that-died', 'PX', 1200);
      const started = Date.now();
      const result = await world.ingestor().ingest(world.write('orphan.json', blocks));
      expect(Date.now() - started).toBeGreaterThanOrEqual(1150);
      expect(result).toMatchObject({ outcome: 'new', blocksQueued: 300 });
      expect(await world.redis.exists(lock)).toBe(0);
    });
  });

  it('a file nested deeper than 64 levels, or with a block number beyond 2^53−1, is refused whole with a clear message; nothing stored or queued', async () => {
    const ingestor = world.ingestor();
    const refused = async (name: string, text: string): Promise<string> => {
      writeFileSync(join(world.dir, name), text);
      const error = await ingestor.ingest(join(world.dir, name)).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(IngestRefusedError);
      expect(await world.catalog.meta(name)).toBeNull();
      return (error as Error).message;
    };
    // (the adversarial tester's file: 5000 levels inside an event, after a good block)
    const deep = `[{"number":1,"events":[]},{"number":2,"events":[{"type":"Foo","x":${'['.repeat(5000)}${']'.repeat(5000)}}]}]`;
    expect(await refused('deep.json', deep)).toMatch(
      /^deep\.json: block 2: field "events\[0\]\.x" is nested deeper than 64 levels of arrays and objects \(at line 1, column \d+\)$/,
    );
    expect(await refused('deep-array.json', `${'['.repeat(5000)}${']'.repeat(5000)}`)).toBe(
      'deep-array.json: block #1: the block is nested deeper than 64 levels of arrays and objects (at line 1, column 66)',
    );
    expect(await refused('deep.ndjson', `{"number":1,"events":[]}\n${'['.repeat(5000)}${']'.repeat(5000)}\n`)).toBe(
      'deep.ndjson: block #2 (line 2): the block is nested deeper than 64 levels of arrays and objects (at line 2, column 65)',
    );
    expect(await refused('unsafe.json', '[{"number":9007199254740993,"events":[]}]')).toBe(
      'unsafe.json: block #1: field "number" is 9007199254740993, beyond 9007199254740991 (2^53−1), the largest block number it takes',
    );
    expect(await refused('huge.json', '[{"number":99999999999999999999999,"events":[]}]')).toBe(
      'huge.json: block #1: field "number" is 99999999999999999999999, beyond 9007199254740991 (2^53−1), the largest block number it takes',
    );
    expect((await world.jobs()).size).toBe(0);
    expect(await world.redis.keys(`${world.prefix}:file:*`)).toEqual([]);
  });

  describe('a logs file with a log given twice', () => {
    const contract = '0x5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a01';
    const owner = '0x0a11ce0000000000000000000000000000000a11';
    const label = (text: string) => keccak256(toHex(text));
    /** A log of an SSV event at (block, logIndex), in transaction 0. */
    const log = (name: Parameters<typeof encodeSsvEvent>[0], args: Record<string, unknown>, block: number, logIndex: number) => ({
      address: contract,
      ...encodeSsvEvent(name, args),
      blockNumber: `0x${block.toString(16)}`,
      blockHash: label(`ingest spec block ${block}`),
      transactionHash: label(`ingest spec tx ${block}`),
      transactionIndex: '0x0',
      logIndex: `0x${logIndex.toString(16)}`,
      removed: false,
    });
    const publicKey = encodeAbiParameters([{ type: 'string' }], ['LS0tLS1CRUdJTiBSU0EgUFVCTElDIEtFWS0tLS0t']);
    const added = (id: number, block: number, logIndex: number) =>
      log('OperatorAdded', { operatorId: BigInt(id), owner, publicKey: encodeAbiParameters([{ type: 'string' }], [`key ${id}`]), fee: 0n }, block, logIndex);

    it('identical copies (overlapping pages end to end) are applied once, and counted', async () => {
      // Page 1: blocks 100–101; page 2: blocks 101–102. Block 101's logs are in both.
      const first = log('OperatorAdded', { operatorId: 1n, owner, publicKey, fee: 0n }, 100, 0);
      const page1 = [first, added(2, 101, 0), added(3, 101, 1)];
      const page2 = [added(2, 101, 0), added(3, 101, 1), added(4, 102, 3)];
      const path = join(world.dir, 'pages.json');
      writeFileSync(path, JSON.stringify({ jsonrpc: '2.0', id: 1, result: [...page1, ...page2] }));

      const result = await world.ingestor().ingest(path);
      expect(result).toMatchObject({ outcome: 'new', blocksInFile: 3, blocksQueued: 3 });
      expect(result.logs).toEqual({ total: 6, ignored: 0, invalid: 0, removed: 0, duplicates: 2 });
      const stored = JSON.parse((await world.redis.hget(world.keys.file('pages.json').payloads, '101'))!) as Block;
      expect(stored.events.map((event) => (event as { operatorId: number }).operatorId)).toEqual([2, 3]);

      const done = await world.applyAll('pages.json');
      expect(done).toMatchObject({ processedThrough: 102, eventsApplied: 4, eventsRejected: 0 });
      expect(await world.reader.rejections('pages.json')).toEqual([]);
      const state = await world.reader.stateAt(done, 102, true);
      expect(state.operators.map((operator) => operator.operatorId)).toEqual([1, 2, 3, 4]);
    });

    it('two different logs at one block and logIndex refuse the file, naming it, the block and the logIndex; nothing stored or queued', async () => {
      const path = join(world.dir, 'clash.ndjson');
      writeFileSync(path, [added(1, 100, 0), added(2, 101, 0), added(3, 101, 0)].map((entry) => JSON.stringify(entry)).join('\n'));
      const error = await world.ingestor().ingest(path).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(IngestRefusedError);
      expect((error as Error).message).toMatch(
        /^clash\.ndjson: log #3 at line 3 \(block 101, tx 0x[0-9a-f]{64}, logIndex 0\): log #2 at line 2 is another log at block 101, logIndex 0, with a different "(topics|data)"; a logIndex is unique within a block/,
      );
      expect(await world.catalog.meta('clash.ndjson')).toBeNull();
      expect((await world.jobs()).size).toBe(0);
    });
  });

  it('a broken file or a bad name is refused before anything is stored or queued', async () => {
    writeFileSync(join(world.dir, 'broken.json'), '[{"number": 1, "events": []}, {"number": 1, "events": []}]');
    await expect(world.ingestor().ingest(join(world.dir, 'broken.json'))).rejects.toThrow(IngestRefusedError);
    writeFileSync(join(world.dir, 'not-json.json'), '[{"number": 1, "events": [}');
    await expect(world.ingestor().ingest(join(world.dir, 'not-json.json'))).rejects.toThrow(IngestRefusedError);
    await expect(world.ingestor().ingest(world.write('ok.json', blocks), { name: 'no:colons' })).rejects.toThrow(
      'cannot use "no:colons" as the file\'s name',
    );
    expect(await world.catalog.meta('broken.json')).toBeNull();
    expect(await world.catalog.meta('not-json.json')).toBeNull();
    expect((await world.jobs()).size).toBe(0);
    expect(await world.redis.keys(`${world.prefix}:file:*`)).toEqual([]);
  });
});
