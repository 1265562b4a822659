import { InMemoryRegistry } from '@bqm/domain';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { collectionsOf, expectedState, readBlocks } from '../support/replay';
import { TestSystem } from '../support/system';
import { WORKSPACE } from '../support/workspace';

/** Ingesting the same name again: unchanged, appended, differing (refused or replaced). */
describe('re-ingest', () => {
  let system: TestSystem;
  let dir: string;
  const sample = readBlocks(join(WORKSPACE, 'data/blocks.json'));
  const write = (name: string, blocks: unknown) => {
    const path = join(dir, name);
    writeFileSync(path, JSON.stringify(blocks));
    return path;
  };
  const jobCount = async () => Object.values(await system.queue.getJobCounts()).reduce((sum, count) => sum + count, 0);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'bqm-reingest-'));
    system = await TestSystem.start({ consumers: 1 });
  }, 60_000);

  afterAll(async () => {
    await system?.stop();
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it('queues a new file, then says an identical one is unchanged and queues nothing', async () => {
    const path = write('sample.json', sample);
    const first = await system.ingest([path, '--wait']);
    expect(first.code).toBe(0);
    expect(first.stdout).toContain(`sample.json: queued ${sample.length} blocks`);
    const before = await system.meta('sample.json');
    const jobsBefore = await jobCount();

    // Same content, other formatting and key order: still the same blocks.
    const reformatted = write('sample.json', sample.map((block) => Object.fromEntries(Object.entries(block).reverse())));
    const again = await system.ingest([reformatted]);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('sample.json is unchanged since it was last ingested: nothing queued');
    expect(await jobCount()).toBe(jobsBefore);
    const after = await system.meta('sample.json');
    expect({ ...after, updatedAt: 0 }).toEqual({ ...before, updatedAt: 0 });
  });

  it('queues only the new blocks of a file that grew', async () => {
    const extra = [
      { number: 20, events: [{ type: 'OperatorAdded', operatorId: 9, owner: '0x9999999999999999999999999999999999999999', publicKey: 'grown', fee: '5' }] },
      { number: 21, events: [{ type: 'OperatorRemoved', operatorId: 9 }] },
    ];
    const jobsBefore = await jobCount();
    const result = await system.ingest([write('sample.json', [...sample, ...extra]), '--wait']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`queued its 2 new blocks (from block 20); the ${sample.length} blocks ingested before are unchanged`);
    expect(await jobCount()).toBe(jobsBefore + 2);
    const meta = await system.meta('sample.json');
    expect(meta).toMatchObject({ processedThrough: 21, blockCount: sample.length + 2, blocksApplied: sample.length + 2 });
    const blocks = readBlocks(join(dir, 'sample.json'));
    const { status, body } = await system.get('/state?fileName=sample.json&blockNumber=21&includeRemoved=true');
    expect(status).toBe(200);
    expect(collectionsOf(body)).toEqual(expectedState(blocks, 21, true));
  });

  it('refuses a file whose ingested blocks differ deeper than the reorganisation window, naming the first one, and keeps the state', async () => {
    // Without hashes the file is not chain data: a deep difference is a mistake to refuse, not a stop.
    const window = { REORG_WINDOW: '3' };
    const plain = sample.map(({ hash: _hash, parentHash: _parent, ...block }) => block);
    expect((await system.ingest([write('plain.json', plain), '--wait'], window)).code).toBe(0);
    const before = await system.meta('plain.json');
    const changed = plain.map((block) => (block.number === 6 ? { ...block, events: [] } : block));
    const result = await system.ingest([write('plain.json', changed)], window);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('block 6 differs from the block 6 ingested before, and the change from block 6 reaches');
    expect(result.stderr).toContain('deeper than the reorganisation window of 3 blocks');
    expect(result.stderr).toContain('--replace');
    expect({ ...(await system.meta('plain.json')), updatedAt: 0 }).toEqual({ ...before, updatedAt: 0 });

    const missing = plain.filter((block) => block.number !== 3);
    const dropped = await system.ingest([write('plain.json', missing)], window);
    expect(dropped.code).toBe(2);
    expect(dropped.stderr).toContain('block 3, ingested before, is missing from the file');
  });

  it('takes a difference within the window as a reorganisation', async () => {
    const grown = readBlocks(join(dir, 'sample.json'));
    const changed = grown.map((block) => (block.number === 20 ? { ...block, events: [] } : block));
    const path = write('sample.json', changed);
    const result = await system.ingest([path, '--wait']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('sample.json reorganised: its blocks from block 20 were replaced by the file\'s (2 blocks queued)');
    const { body } = await system.get('/state?fileName=sample.json&blockNumber=21&includeRemoved=true');
    expect(collectionsOf(body)).toEqual(expectedState(readBlocks(path), 21, true));
  });

  it('with --replace drops the old state and ingests the new content', async () => {
    const changed = readBlocks(join(dir, 'sample.json')).map((block) => (block.number === 6 ? { ...block, events: [] } : block));
    const path = write('sample.json', changed);
    const result = await system.ingest([path, '--replace', '--wait']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('sample.json replaced');
    for (const blockNumber of [2, 6, 12, 21]) {
      const { body } = await system.get(`/state?fileName=sample.json&blockNumber=${blockNumber}&includeRemoved=true`);
      expect(collectionsOf(body)).toEqual(expectedState(readBlocks(path), blockNumber, true));
    }
    const meta = await system.meta('sample.json');
    expect(meta).toMatchObject({ blockCount: changed.length, blocksApplied: changed.length });
    const rejections = (await system.get('/files/sample.json/rejections')).body.rejections;
    expect(rejections.map((r: { blockNumber: number; code: string }) => `${r.blockNumber}:${r.code}`)).toEqual(
      expectedRejections(path),
    );
  });

  it('takes --name, and the object shape with toBlock: processedThrough reaches toBlock', async () => {
    const path = write('covered.json', { toBlock: 40, blocks: sample });
    const result = await system.ingest([path, '--name', 'named-sample', '--wait']);
    expect(result.code).toBe(0);
    expect(await system.meta('named-sample')).toMatchObject({ toBlock: 40, processedThrough: 40, lastBlock: 12 });
    const atEnd = await system.get('/state?fileName=named-sample&blockNumber=40');
    expect(atEnd.status).toBe(200);
    expect(collectionsOf(atEnd.body)).toEqual(expectedState(sample, 40));
    const beyond = await system.get('/state?fileName=named-sample&blockNumber=41');
    expect(beyond.status).toBe(404);
    expect(beyond.body).toMatchObject({ error: 'block_beyond_end', endBlock: 40 });
    // A block inside the declared coverage appearing later is new content there: a reorganisation.
    const late = await system.ingest([write('covered.json', { toBlock: 50, blocks: [...sample, { number: 30, events: [] }] }), '--name', 'named-sample', '--wait']);
    expect(late.code).toBe(0);
    expect(late.stdout).toContain('named-sample reorganised: its blocks from block 30 were replaced');
    expect(await system.meta('named-sample')).toMatchObject({ toBlock: 50, processedThrough: 50, lastBlock: 30, reorgs: 1 });
  });
});

function expectedRejections(path: string): string[] {
  return InMemoryRegistry.replay(readBlocks(path)).rejections.map((r) => `${r.blockNumber}:${r.code}`);
}
