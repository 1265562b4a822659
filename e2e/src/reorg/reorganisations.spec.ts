import { Block } from '@bqm/domain';
import { simulateBlocks } from '@bqm/simulation';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expectExactly, fork, writeNdjson } from '../support/chain';
import { TestSystem } from '../support/system';

const UINT256_MAX = ((1n << 256n) - 1n).toString();
const owner = '0x5555555555555555555555555555555555555555';

/**
 * Chain reorganisations with 3 consumers: a re-ingested file whose blocks differ from a block on
 * replaces them (within REORG_WINDOW of what was applied); the state answers the new branch.
 */
describe('reorganisations (3 consumers)', () => {
  let system: TestSystem;
  let dir: string;
  const base: Block[] = simulateBlocks({ seed: 31, blocks: 400 });
  const last = base[base.length - 1].number;
  const path = (name: string) => join(dir, name);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'bqm-reorg-'));
    system = await TestSystem.start({ consumers: 3, env: { BATCH_BLOCKS: '25' } });
  }, 60_000);

  afterAll(async () => {
    await system?.stop();
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  async function ingestComplete(name: string, blocks: readonly Block[], env: Record<string, string> = {}) {
    const result = await system.ingest([writeNdjson(path(name), blocks), '--wait'], env);
    expect({ code: result.code, stderr: result.code === 0 ? '' : result.stderr }).toEqual({ code: 0, stderr: '' });
    return result;
  }

  it('a one-block value change: the state answers the new branch from that block', async () => {
    await ingestComplete('one-block.ndjson', base);
    const at = last - 5;
    const branch = fork(base, at, (block) =>
      block.number === at
        ? { ...block, events: [...block.events, { type: 'OperatorAdded', operatorId: 90_001, owner, publicKey: 'forked-key', fee: '123' }] }
        : block,
    );
    const result = await ingestComplete('one-block.ndjson', branch);
    expect(result.stdout).toContain(`one-block.ndjson reorganised: its blocks from block ${at} were replaced`);
    await expectExactly(system, 'one-block.ndjson', branch, [at - 1, at, last]);
    const { body } = await system.get(`/state?fileName=one-block.ndjson&blockNumber=${at - 1}`);
    expect(body.operators.some((o: { operatorId: number }) => o.operatorId === 90_001)).toBe(false);
  });

  it('an event removed entirely: the counts return to their old values and its rejections go', async () => {
    const at = last - 10;
    const extra = [
      { type: 'FeeRecipientAddressUpdated', owner, recipientAddress: owner },
      { type: 'OperatorRemoved', operatorId: 999_999 }, // rejected: OperatorDoesNotExist
    ];
    const withEvent = base.map((block) => (block.number === at ? { ...block, events: [...block.events, ...extra] } : block));
    await ingestComplete('removed-event.ndjson', withEvent);
    const before = await system.meta('removed-event.ndjson');
    const rejectedWith = (await system.get('/files/removed-event.ndjson/rejections')).body.count;

    const without = fork(withEvent, at, (block) => (block.number === at ? { ...block, events: block.events.slice(0, -2) } : block));
    await ingestComplete('removed-event.ndjson', without);
    const after = await system.meta('removed-event.ndjson');
    expect(after!.eventsApplied).toBe(before!.eventsApplied - 1);
    expect(after!.eventsRejected).toBe(before!.eventsRejected - 1);
    expect((await system.get('/files/removed-event.ndjson/rejections')).body.count).toBe(rejectedWith - 1);
    await expectExactly(system, 'removed-event.ndjson', without, [at, last]);
  });

  it('a reorganisation deeper than the window stops the file, with nothing half-applied', async () => {
    const env = { REORG_WINDOW: '16' };
    await ingestComplete('deep.ndjson', base, env);
    const before = await system.meta('deep.ndjson');
    const at = last - 40;
    const branch = fork(base, at, (block) => (block.number === at ? { ...block, events: [] } : block));
    const result = await system.ingest([writeNdjson(path('deep.ndjson'), branch)], env);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('deeper than the reorganisation window of 16 blocks');
    expect(result.stderr).toContain(`the file is stopped at block ${at - 1}`);

    const status = (await system.get('/status')).body.files.find((f: { fileName: string }) => f.fileName === 'deep.ndjson');
    expect(status).toMatchObject({ status: 'stopped', complete: false, processedThrough: at - 1 });
    expect(status.error).toContain('chain reorganisation');
    // What was applied stays whole: the counts are those of the old branch, the state below the
    // reorganisation is answered, nothing of the dead branch is.
    expect(await system.meta('deep.ndjson')).toMatchObject({ eventsApplied: before!.eventsApplied, blocksApplied: before!.blocksApplied });
    const below = await system.get(`/state?fileName=deep.ndjson&blockNumber=${at - 1}`);
    expect(below.status).toBe(200);
    const beyond = await system.get(`/state?fileName=deep.ndjson&blockNumber=${at}`);
    expect(beyond).toMatchObject({ status: 409, body: { error: 'file_stopped' } });
    const again = await system.ingest([path('deep.ndjson')], env);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('deep.ndjson is stopped');
    // The content it had lets it go on, untouched: the refused branch changed nothing.
    await ingestComplete('deep.ndjson', base, env);
    expect(await system.meta('deep.ndjson')).toMatchObject({ status: 'active', error: null });
    await expectExactly(system, 'deep.ndjson', base, [at - 1, at, last]);
    // --replace takes the new branch, from scratch.
    writeNdjson(path('deep.ndjson'), branch);
    const replaced = await system.ingest([path('deep.ndjson'), '--replace', '--wait'], env);
    expect(replaced.code).toBe(0);
    await expectExactly(system, 'deep.ndjson', branch, [at, last]);
  });

  it('a reorganisation arriving while the consumers are stopped is undone when they start', async () => {
    await ingestComplete('stopped.ndjson', base);
    await Promise.all(system.consumers.map((consumer) => consumer.stop('SIGTERM')));
    const at = last - 12;
    const branch = fork(base, at, (block) => (block.number === at ? { ...block, events: block.events.slice(1) } : block));
    const result = await system.ingest([writeNdjson(path('stopped.ndjson'), branch)]);
    expect(result.code).toBe(0);
    // No answer from the dead branch, even before any consumer undoes it.
    expect(await system.meta('stopped.ndjson')).toMatchObject({ processedThrough: at - 1, rewindTo: at - 1 });
    expect((await system.get(`/state?fileName=stopped.ndjson&blockNumber=${at}`)).status).toBe(409);
    for (let i = 0; i < 3; i++) system.startConsumer({ BATCH_BLOCKS: '25' });
    await system.waitComplete('stopped.ndjson');
    await expectExactly(system, 'stopped.ndjson', branch, [at - 1, at, last]);
  });

  it('three reorganisations in quick succession end on the last branch', async () => {
    await ingestComplete('triple.ndjson', base);
    const first = fork(base, last - 30, (block) => (block.number % 3 === 0 ? { ...block, events: [] } : block), 'first');
    const second = fork(first, last - 20, (block) => (block.number % 2 === 0 ? { ...block, events: block.events.slice(0, 1) } : block), 'second');
    const third = fork(second, last - 45, (block) => (block.number === last - 45 ? { ...block, events: [] } : block), 'third');
    for (const [i, branch] of [first, second, third].entries()) {
      const result = await system.ingest([writeNdjson(path('triple.ndjson'), branch)]);
      expect({ i, code: result.code }).toEqual({ i, code: 0 });
    }
    await system.waitComplete('triple.ndjson');
    await expectExactly(system, 'triple.ndjson', third, [last - 46, last - 45, last - 30, last - 20, last]);
    expect((await system.meta('triple.ndjson'))!.reorgs).toBe(3);
  });

  it('a reorganisation of blocks behind the head while ingest continues', async () => {
    const long: Block[] = simulateBlocks({ seed: 37, blocks: 3000 });
    const env = { REORG_WINDOW: '2000' };
    expect((await system.ingest([writeNdjson(path('moving.ndjson'), long.slice(0, 2000))], env)).code).toBe(0);
    await system.waitUntil(async () => ((await system.meta('moving.ndjson'))?.processedThrough ?? 0) >= 600, 'blocks applied');
    const head = (await system.meta('moving.ndjson'))!.processedThrough!;
    const at = Math.max(2, head - 100);
    const branch = fork(long, at, (block) => (block.number === at ? { ...block, events: [] } : block));
    const result = await system.ingest([writeNdjson(path('moving.ndjson'), branch)], env);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`reorganised: its blocks from block ${at} were replaced`);
    await system.waitComplete('moving.ndjson', 180_000);
    await expectExactly(system, 'moving.ndjson', branch, [at - 1, at, 2000, 3000]);
  });

  it('the same range delivered twice counts once', async () => {
    await ingestComplete('twice.ndjson', base.slice(0, 250));
    const again = await ingestComplete('twice.ndjson', base.slice(0, 250));
    expect(again.stdout).toContain('twice.ndjson is unchanged');
    await ingestComplete('twice.ndjson', base);
    await expectExactly(system, 'twice.ndjson', base, [250, last]);
  });

  it('500 empty blocks still advance processedThrough', async () => {
    const hash = (n: number) => `0x${n.toString(16).padStart(64, '0')}`;
    const empty: Block[] = Array.from({ length: 500 }, (_, i) => ({
      number: i + 1,
      hash: hash(i + 1),
      ...(i > 0 ? { parentHash: hash(i) } : {}),
      events: [],
    }));
    await ingestComplete('empty.ndjson', empty);
    expect(await system.meta('empty.ndjson')).toMatchObject({ processedThrough: 500, blocksApplied: 500, eventsApplied: 0 });
    const { body } = await system.get('/state?fileName=empty.ndjson&blockNumber=500');
    expect(body).toMatchObject({ blockNumber: 500, operators: [], validators: [], clusters: [], accounts: [] });
  });

  it('a uint256-max balance round-trips', async () => {
    const blocks = [
      {
        number: 1,
        events: [{ type: 'ClusterDeposited', owner, operatorIds: [1, 2, 3, 4], value: UINT256_MAX, cluster: { validatorCount: 0, networkFeeIndex: '0', index: '0', active: true, balance: UINT256_MAX } }],
      },
    ] as Block[];
    await ingestComplete('max.ndjson', blocks);
    const { body } = await system.get('/state?fileName=max.ndjson&blockNumber=1');
    expect(body.clusters).toEqual([expect.objectContaining({ clusterId: `${owner}-1-2-3-4`, balance: UINT256_MAX })]);
  });
});
