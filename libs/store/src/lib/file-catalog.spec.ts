import { Block, InMemoryRegistry } from '@bqm/domain';
import { expectSameState, jobsOf, RedisTestKit, sleep, storedBlocks, storeFile } from '../testing/redis-test-kit';
import { ApplyCancelledError, FileApplier } from './file-applier';
import { FileBusyError, FileCatalog } from './file-catalog';
import { coverageEnd, FileMeta, isComplete } from './file-meta';
import { StateReader } from './state-reader';

/** Integration tests against the real Redis: every key lives under the kit's random prefix. */
jest.setTimeout(60_000);

const OWNER = '0x00000000000000000000000000000000000000aa';

/** A block with one event, so that every state along the way differs from the one before. */
function block(number: number): Block {
  return { number, events: [{ type: 'OperatorAdded', operatorId: number + 1, owner: OWNER, publicKey: `key-${number}`, fee: String(number) }] };
}

describe('processedThrough (spec §5)', () => {
  const kit = new RedisTestKit();
  let catalog: FileCatalog;
  let reader: StateReader;

  beforeAll(() => {
    catalog = new FileCatalog(kit.connect(), kit.keys);
    reader = new StateReader(kit.connect(), kit.keys);
  });
  afterAll(() => kit.close());

  /** Applies the file's stored blocks in order up to `through` (all of them when omitted), then stops. */
  async function applyThrough(fileName: string, blocks: readonly Block[], through?: number): Promise<FileMeta> {
    const meta = (await catalog.meta(fileName))!;
    const target = blocks.filter((b) => through === undefined || b.number <= through);
    const last = target[target.length - 1];
    let reached = false;
    const applier = new FileApplier(kit.connect(), kit.keys, { batchBlocks: 1, pollMs: 5 }, (report) => {
      if (report.toBlock >= last.number) reached = true;
    });
    const [job] = jobsOf(fileName, meta.generation, [last]);
    if (through === undefined) {
      expect(await applier.ensureApplied(job)).toMatchObject({ outcome: 'applied' });
    } else {
      // Stopped like a consumer shutting down once the block is reached: the job goes back to
      // the queue (it would apply the rest later), and the file is left partway.
      await expect(applier.ensureApplied(job, () => reached)).rejects.toThrow(ApplyCancelledError);
    }
    return (await catalog.meta(fileName))!;
  }

  async function expectStateAt(meta: FileMeta, blocks: readonly Block[], heights: number[]): Promise<void> {
    for (const height of heights) {
      expectSameState(await reader.stateAt(meta, height, true), InMemoryRegistry.replay(blocks, height).collections(true), { height });
    }
  }

  it('a gap between blocks counts as processed: after block 2 of [1, 2, 4], it is 3', async () => {
    const blocks = [block(1), block(2), block(4)];
    const { meta } = await storeFile(catalog, 'gaps.json', blocks);
    expect(meta).toMatchObject({ firstBlock: 1, lastBlock: 4, blockCount: 3, appliedThrough: null, processedThrough: 0, sealed: true });

    const partway = await applyThrough('gaps.json', blocks, 2);
    expect(partway).toMatchObject({ appliedThrough: 2, processedThrough: 3, blocksApplied: 2 });
    expect(isComplete(partway)).toBe(false);
    await expectStateAt(partway, blocks, [0, 1, 2, 3]);
    expect((await reader.stateAt(partway, 3, false)).operators.map((o) => o.operatorId)).toEqual([2, 3]);

    const done = await applyThrough('gaps.json', blocks);
    expect(done).toMatchObject({ appliedThrough: 4, processedThrough: 4, blocksApplied: 3 });
    expect(isComplete(done)).toBe(true);
    await expectStateAt(done, blocks, [3, 4]);
  });

  it('a file starting at block 12: processedThrough is 11 before anything is applied, and the state below 12 is empty', async () => {
    const blocks = [block(12), block(13), block(15)];
    const { meta } = await storeFile(catalog, 'from-12.json', blocks);
    expect(meta).toMatchObject({ firstBlock: 12, appliedThrough: null, processedThrough: 11 });
    const empty = { operators: [], validators: [], clusters: [], accounts: [] };
    expect(await reader.stateAt(meta, 0, true)).toEqual(empty);
    expect(await reader.stateAt(meta, 11, false)).toEqual(empty);

    const done = await applyThrough('from-12.json', blocks);
    expect(done).toMatchObject({ appliedThrough: 15, processedThrough: 15 });
    expect(await reader.stateAt(done, 11, true)).toEqual(empty);
    expect((await reader.stateAt(done, 14, true)).operators.map((o) => o.operatorId)).toEqual([13, 14]);
    await expectStateAt(done, blocks, [0, 11, 12, 13, 14, 15]);
  });

  it('a file whose first block is 0: nothing is processed (null) until block 0 is applied', async () => {
    const blocks = [block(0), block(1), block(2)];
    const { meta } = await storeFile(catalog, 'from-0.json', blocks);
    expect(meta).toMatchObject({ firstBlock: 0, appliedThrough: null, processedThrough: null });
    expect(isComplete(meta)).toBe(false);

    expect(await applyThrough('from-0.json', blocks, 0)).toMatchObject({ appliedThrough: 0, processedThrough: 0 });
    const done = await applyThrough('from-0.json', blocks);
    expect(done).toMatchObject({ appliedThrough: 2, processedThrough: 2 });
    await expectStateAt(done, blocks, [0, 1, 2]);
  });

  it('the object shape: processedThrough reaches toBlock once the file is sealed, not before', async () => {
    const blocks = [block(3), block(5)];
    const opened = await catalog.open('covered.json', 'json');
    await catalog.storeBlocks('covered.json', opened.generation, storedBlocks(blocks));
    // Everything stored is applied, but the ingest has not declared the coverage yet.
    const applied = await applyThrough('covered.json', blocks);
    expect(applied).toMatchObject({ appliedThrough: 5, processedThrough: 5, sealed: false, toBlock: null });

    const sealed = await catalog.seal('covered.json', opened.generation, 10, true);
    expect(sealed).toMatchObject({ appliedThrough: 5, processedThrough: 10, sealed: true, toBlock: 10, lastBlock: 5 });
    expect(coverageEnd(sealed)).toBe(10);
    expect(isComplete(sealed)).toBe(true);
    await expectStateAt(sealed, blocks, [2, 3, 4, 5, 10]);
  });

  it('the object shape sealed before anything is applied: the gap up to the first block, then toBlock at the end', async () => {
    const blocks = [block(3), block(5)];
    const { meta } = await storeFile(catalog, 'covered-early.json', blocks, { toBlock: 10 });
    expect(meta).toMatchObject({ processedThrough: 2, toBlock: 10 });
    expect(await applyThrough('covered-early.json', blocks, 3)).toMatchObject({ appliedThrough: 3, processedThrough: 4 });
    expect(await applyThrough('covered-early.json', blocks)).toMatchObject({ appliedThrough: 5, processedThrough: 10 });
  });

  it('the object shape with no blocks at all: sealed, it is processed through toBlock, and its state is empty', async () => {
    const { meta } = await storeFile(catalog, 'no-blocks.json', [], { toBlock: 7 });
    expect(meta).toMatchObject({ blockCount: 0, firstBlock: null, lastBlock: null, appliedThrough: null, processedThrough: 7 });
    expect(isComplete(meta)).toBe(true);
    expect(await reader.stateAt(meta, 7, true)).toEqual({ operators: [], validators: [], clusters: [], accounts: [] });
  });

  it('an open file (a running simulation) that grows: processedThrough follows what is applied, complete only once sealed', async () => {
    const blocks = [1, 2, 3, 4, 5, 6, 7, 8].map(block);
    const opened = await catalog.open('growing.ndjson', 'ndjson', 'simulation');
    await catalog.storeBlocks('growing.ndjson', opened.generation, storedBlocks(blocks.slice(0, 5)));
    await catalog.seal('growing.ndjson', opened.generation, undefined, false);
    const first = await applyThrough('growing.ndjson', blocks.slice(0, 5));
    expect(first).toMatchObject({ appliedThrough: 5, processedThrough: 5, sealed: false, source: 'simulation', lastBlock: 5 });
    expect(isComplete(first)).toBe(false);

    await catalog.storeBlocks('growing.ndjson', opened.generation, storedBlocks(blocks.slice(5)));
    const grown = (await catalog.meta('growing.ndjson'))!;
    expect(grown).toMatchObject({ appliedThrough: 5, processedThrough: 5, lastBlock: 8, blockCount: 8 });
    const applied = await applyThrough('growing.ndjson', blocks);
    expect(applied).toMatchObject({ appliedThrough: 8, processedThrough: 8, blocksApplied: 8, sealed: false });
    expect(isComplete(applied)).toBe(false);
    const closed = await catalog.seal('growing.ndjson', opened.generation, undefined, true);
    expect(closed).toMatchObject({ processedThrough: 8, sealed: true });
    expect(isComplete(closed)).toBe(true);
    await expectStateAt(closed, blocks, [0, 4, 5, 8]);
  });

  it('a sealed file covered up to toBlock, re-opened and appended to: progress never goes back', async () => {
    const blocks = [block(1), block(2)];
    await storeFile(catalog, 'appended.json', blocks, { toBlock: 10 });
    expect(await applyThrough('appended.json', blocks)).toMatchObject({ processedThrough: 10 });

    const reopened = await catalog.open('appended.json', 'json');
    expect(reopened).toMatchObject({ sealed: false, processedThrough: 10 });
    const more = [block(11), block(12)];
    await catalog.storeBlocks('appended.json', reopened.generation, storedBlocks(more));
    expect(await catalog.meta('appended.json')).toMatchObject({ appliedThrough: 2, processedThrough: 10, lastBlock: 12 });
    expect(await applyThrough('appended.json', [...blocks, ...more])).toMatchObject({ appliedThrough: 12, processedThrough: 12 });
    expect(await catalog.seal('appended.json', reopened.generation, 20, true)).toMatchObject({ processedThrough: 20 });
  });
});

describe('FileCatalog', () => {
  const kit = new RedisTestKit();
  let catalog: FileCatalog;

  beforeAll(() => {
    catalog = new FileCatalog(kit.connect(), kit.keys);
  });
  afterAll(() => kit.close());

  it('open gives each name its own generation, keeps it on re-open, and a drop moves it on for good', async () => {
    const a = await catalog.open('a.json', 'json');
    const b = await catalog.open('b.ndjson', 'ndjson');
    expect([a.generation, b.generation]).toEqual([1, 1]);
    expect(a).toMatchObject({ fileName: 'a.json', format: 'json', source: 'file', blockCount: 0, sealed: false, status: 'active' });
    expect((await catalog.open('a.json', 'json')).generation).toBe(1);

    await catalog.drop('a.json');
    expect(await catalog.meta('a.json')).toBeNull();
    const again = await catalog.open('a.json', 'json');
    expect(again.generation).toBeGreaterThan(1);
    expect(await new StateReader(kit.connect(), kit.keys).listFiles()).toEqual([
      expect.objectContaining({ fileName: 'a.json', generation: again.generation }),
      expect.objectContaining({ fileName: 'b.ndjson', generation: 1 }),
    ]);
  });

  it('storeBlocks refuses a stale generation, and seal does nothing for one', async () => {
    const blocks = [block(1), block(2)];
    const old = await catalog.open('stale.json', 'json');
    await catalog.drop('stale.json');
    const current = await catalog.open('stale.json', 'json');
    await expect(catalog.storeBlocks('stale.json', old.generation, storedBlocks(blocks))).rejects.toThrow(
      'stale.json was replaced by another ingest while this one was storing blocks',
    );
    expect(await catalog.seal('stale.json', old.generation, 50, true)).toMatchObject({ sealed: false, toBlock: null, blockCount: 0 });
    await catalog.storeBlocks('stale.json', current.generation, storedBlocks(blocks));
    expect(await catalog.meta('stale.json')).toMatchObject({ blockCount: 2, firstBlock: 1, lastBlock: 2 });
  });

  it('drop deletes every key of the file but its ingest lock, and no other file\'s keys', async () => {
    const blocks = [block(1), block(2), block(3)];
    await storeFile(catalog, 'doomed.json', blocks);
    await storeFile(catalog, 'doomed.json.bak', blocks);
    const applier = new FileApplier(kit.connect(), kit.keys, { pollMs: 5 });
    const meta = (await catalog.meta('doomed.json'))!;
    await applier.ensureApplied(jobsOf('doomed.json', meta.generation, blocks)[2]);
    const before = await kit.allKeys('file:{doomed.json}:*');
    expect(before.length).toBeGreaterThan(8); // meta, blocks, digests, heads, born, histories, indexes...
    const lock = kit.keys.file('doomed.json').ingestLock;
    await kit.connect().set(lock, 'an-ingest', 'PX', 10_000);
    const others = await kit.allKeys('file:{doomed.json.bak}:*');

    await catalog.drop('doomed.json');
    expect(await kit.allKeys('file:{doomed.json}:*')).toEqual([lock]);
    expect(await kit.allKeys('file:{doomed.json.bak}:*')).toEqual(others);
    const files = await kit.connect().zrange(kit.keys.files, 0, -1);
    expect(files).toContain('doomed.json.bak');
    expect(files).not.toContain('doomed.json');
  });

  it('storedDigests reads every block in order, across pages', async () => {
    const blocks = Array.from({ length: 2345 }, (_, i) => ({ number: i * 3 + 7, events: [] }));
    await storeFile(catalog, 'many.json', blocks, { chunk: 1000 });
    const read: { number: number; digest: string }[] = [];
    for await (const entry of catalog.storedDigests('many.json')) read.push(entry);
    expect(read).toEqual(storedBlocks(blocks).map(({ number, digest }) => ({ number, digest })));
  });

  it('withIngestLock runs one holder at a time, and gives up with FileBusyError when the wait runs out', async () => {
    const order: string[] = [];
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const first = catalog.withIngestLock('locked.json', async () => {
      order.push('first in');
      await held;
      order.push('first out');
      return 1;
    });
    await sleep(50);
    const lockKey = kit.keys.file('locked.json').ingestLock;
    expect(await kit.connect().exists(lockKey)).toBe(1);

    let ranBusy = false;
    const started = Date.now();
    await expect(
      catalog.withIngestLock('locked.json', async () => {
        ranBusy = true;
      }, 300),
    ).rejects.toThrow(FileBusyError);
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
    expect(ranBusy).toBe(false);

    const second = catalog.withIngestLock('locked.json', async () => {
      order.push('second');
      return 2;
    });
    await sleep(300);
    expect(order).toEqual(['first in']);
    release();
    expect(await Promise.all([first, second])).toEqual([1, 2]);
    expect(order).toEqual(['first in', 'first out', 'second']);
    expect(await kit.connect().exists(lockKey)).toBe(0);

    // A holder that fails still gives the lock back.
    await expect(
      catalog.withIngestLock('locked.json', async () => {
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await kit.connect().exists(lockKey)).toBe(0);
  });
});
