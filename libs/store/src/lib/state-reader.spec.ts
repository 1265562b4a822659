import { Block, InMemoryRegistry } from '@bqm/domain';
import { expectSameState, jobsOf, RedisTestKit, storedBlocks, storeFile } from '../testing/redis-test-kit';
import { FileApplier } from './file-applier';
import { FileCatalog } from './file-catalog';
import { FileMeta } from './file-meta';
import { STATE_PAGE } from './scripts';
import { StateMovedError, StateReader } from './state-reader';

/** Integration tests against the real Redis: every key lives under the kit's random prefix. */
jest.setTimeout(60_000);

const A = `0x${'Aa'.repeat(20)}`; // given mixed case: stored and returned lowercase
const a = A.toLowerCase();
const b = `0x${'bb'.repeat(20)}`;
const operatorOwner = `0x${'cc'.repeat(20)}`;
const recipient = `0x${'dd'.repeat(20)}`;
const V1 = `0x${'1'.repeat(96)}`;
const V2 = `0x${'2'.repeat(96)}`;
const V3 = `0x${'AB'.repeat(48)}`;
const v3 = V3.toLowerCase();
const committee = [1, 2, 3, 4];
const clusterA = `${a}-1-2-3-4`;
const clusterB = `${b}-1-2-3-4`;
const snapshot = (balance: string) => ({ validatorCount: 1, networkFeeIndex: '0', index: '0', active: true, balance });

/** Operators, validators of two owners, a removal, a liquidation, an exit, a reactivation, a rejection. */
const BLOCKS: Block[] = [
  {
    number: 10,
    events: committee.map((id) => ({ type: 'OperatorAdded', operatorId: id, owner: operatorOwner, publicKey: `operator-key-${id}`, fee: '100' })),
  },
  {
    number: 11,
    events: [
      { type: 'ValidatorAdded', owner: A, operatorIds: committee, publicKey: V1, cluster: snapshot('5000') },
      { type: 'ValidatorAdded', owner: A, operatorIds: committee, publicKey: V2 },
    ],
  },
  {
    number: 12,
    events: [
      { type: 'ValidatorAdded', owner: b, operatorIds: committee, publicKey: V3 },
      { type: 'FeeRecipientAddressUpdated', owner: A, recipientAddress: recipient },
    ],
  },
  { number: 13, events: [{ type: 'ValidatorRemoved', owner: A, operatorIds: committee, publicKey: V2 }] },
  { number: 14, events: [{ type: 'ClusterLiquidated', owner: A, operatorIds: committee, cluster: snapshot('0') }] },
  { number: 15, events: [{ type: 'ValidatorExited', owner: b, operatorIds: committee, publicKey: V3 }] },
  { number: 16, events: [{ type: 'ClusterReactivated', owner: A, operatorIds: committee, cluster: snapshot('7000') }] },
  {
    number: 17,
    events: [
      { type: 'OperatorRemoved', operatorId: 4 },
      { type: 'ValidatorAdded', owner: A, operatorIds: [1, 2, 3], publicKey: V2 },
    ],
  },
  {
    number: 18,
    events: [
      { type: 'OperatorFeeDeclared', owner: operatorOwner, operatorId: 1, fee: '200' },
      { type: 'OperatorPrivacyStatusUpdated', operatorIds: [1, 2], toPrivate: true },
    ],
  },
];

describe('StateReader', () => {
  const kit = new RedisTestKit();
  let catalog: FileCatalog;
  let reader: StateReader;
  let meta: FileMeta;

  beforeAll(async () => {
    catalog = new FileCatalog(kit.connect(), kit.keys);
    reader = new StateReader(kit.connect(), kit.keys);
    const { jobs } = await storeFile(catalog, 'registry.json', BLOCKS);
    // One block a batch: every entity gets a version per block that touched it.
    const applier = new FileApplier(kit.connect(), kit.keys, { batchBlocks: 1, pollMs: 5 });
    await applier.ensureApplied(jobs[jobs.length - 1]);
    meta = (await reader.fileMeta('registry.json'))!;
  });
  afterAll(() => kit.close());

  it('the file is applied whole', () => {
    expect(meta).toMatchObject({ processedThrough: 18, blocksApplied: 9, eventsApplied: 15, eventsRejected: 1 });
  });

  it('as of block 14: a liquidated cluster makes its validators liquidated, the removed one too', async () => {
    const state = await reader.stateAt(meta, 14, true);
    expect(state.operators).toEqual(
      committee.map((id) => ({
        operatorId: id,
        owner: operatorOwner,
        publicKey: `operator-key-${id}`,
        fee: '100',
        declaredFee: null,
        isPrivate: false,
        validatorCount: 1, // V1 and V3, less V2 (removed), less A's cluster (liquidated); V3 stays
        removed: false,
        lastUpdateBlock: 14,
      })),
    );
    expect(state.validators).toEqual([
      { publicKey: V1, owner: a, operatorIds: committee, clusterId: clusterA, status: 'liquidated', removed: false, lastUpdateBlock: 14 },
      { publicKey: V2, owner: a, operatorIds: committee, clusterId: clusterA, status: 'liquidated', removed: true, lastUpdateBlock: 13 },
      { publicKey: v3, owner: b, operatorIds: committee, clusterId: clusterB, status: 'active', removed: false, lastUpdateBlock: 12 },
    ]);
    expect(state.clusters).toEqual([
      { clusterId: clusterA, owner: a, operatorIds: committee, validatorCount: 1, active: false, balance: '0', lastUpdateBlock: 14 },
      { clusterId: clusterB, owner: b, operatorIds: committee, validatorCount: 1, active: true, balance: null, lastUpdateBlock: 12 },
    ]);
    expect(state.accounts).toEqual([
      { owner: a, feeRecipient: recipient, nonce: 2, validatorCount: 1 },
      { owner: b, feeRecipient: b, nonce: 1, validatorCount: 1 },
      { owner: operatorOwner, feeRecipient: operatorOwner, nonce: 0, validatorCount: 0 },
    ]);
    // Without includeRemoved the removed validator is left out; clusters and accounts stay.
    const shown = await reader.stateAt(meta, 14, false);
    expect(shown.validators.map((v) => v.publicKey)).toEqual([V1, v3]);
    expect(shown.clusters).toEqual(state.clusters);
    expect(shown.accounts).toEqual(state.accounts);
  });

  it('as of blocks 12, 13, 15 and 16: versions of each entity as they were then', async () => {
    const at12 = await reader.stateAt(meta, 12, true);
    expect(at12.validators.map((v) => [v.publicKey, v.status, v.removed])).toEqual([
      [V1, 'active', false],
      [V2, 'active', false],
      [v3, 'active', false],
    ]);
    expect(at12.operators.map((o) => o.validatorCount)).toEqual([3, 3, 3, 3]);
    expect(at12.clusters[0]).toMatchObject({ validatorCount: 2, balance: '5000', active: true, lastUpdateBlock: 11 });

    const at13 = await reader.stateAt(meta, 13, true);
    expect(at13.validators[1]).toMatchObject({ publicKey: V2, status: 'active', removed: true });
    expect(at13.accounts[0]).toMatchObject({ owner: a, validatorCount: 1, nonce: 2 });

    const at15 = await reader.stateAt(meta, 15, false);
    expect(at15.validators.map((v) => [v.publicKey, v.status])).toEqual([
      [V1, 'liquidated'],
      [v3, 'exited'],
    ]);

    const at16 = await reader.stateAt(meta, 16, true);
    expect(at16.validators.map((v) => [v.publicKey, v.status])).toEqual([
      [V1, 'active'],
      [V2, 'active'], // removed, and its cluster active again
      [v3, 'exited'],
    ]);
    expect(at16.clusters[0]).toMatchObject({ active: true, balance: '7000', validatorCount: 1, lastUpdateBlock: 16 });
    expect(at16.operators.map((o) => [o.validatorCount, o.lastUpdateBlock])).toEqual(committee.map(() => [2, 16]));
  });

  it('as of blocks 17 and 18: a removed operator, a rejected registration that still counts in the nonce, fee and privacy', async () => {
    const at17 = await reader.stateAt(meta, 17, true);
    expect(at17.operators[3]).toEqual({
      operatorId: 4,
      owner: operatorOwner,
      publicKey: 'operator-key-4',
      fee: '0',
      declaredFee: null,
      isPrivate: false,
      validatorCount: 0,
      removed: true,
      lastUpdateBlock: 17,
    });
    expect((await reader.stateAt(meta, 17, false)).operators.map((o) => o.operatorId)).toEqual([1, 2, 3]);
    expect(at17.accounts[0]).toMatchObject({ owner: a, nonce: 3 });

    const at18 = await reader.stateAt(meta, 18, false);
    expect(at18.operators.map((o) => [o.operatorId, o.declaredFee, o.isPrivate, o.lastUpdateBlock])).toEqual([
      [1, '200', true, 18],
      [2, null, true, 18],
      [3, null, false, 16],
    ]);
  });

  it('every height, with and without removed entities, is what the rules give', async () => {
    for (let height = 0; height <= 18; height++) {
      const replay = InMemoryRegistry.replay(BLOCKS, height);
      for (const includeRemoved of [false, true]) {
        expectSameState(await reader.stateAt(meta, height, includeRemoved), replay.collections(includeRemoved), { height, includeRemoved });
      }
    }
  });

  it('rejections, all and within a range of blocks', async () => {
    const expected = InMemoryRegistry.replay(BLOCKS).rejections;
    expect(expected).toHaveLength(1);
    expect(await reader.rejections('registry.json')).toEqual([
      { blockNumber: 17, index: 1, type: 'ValidatorAdded', code: 'InvalidOperatorIdsLength', message: expected[0].message },
    ]);
    expect(await reader.rejections('registry.json', 17, 17)).toEqual(expected);
    expect(await reader.rejections('registry.json', 10, 16)).toEqual([]);
    expect(await reader.rejections('registry.json', 18)).toEqual([]);
  });

  describe('StateMovedError', () => {
    it('when asked beyond processedThrough (the caller must check; a reorganisation may have taken blocks back)', async () => {
      await expect(reader.stateAt(meta, 19, true)).rejects.toThrow(StateMovedError);
    });

    it('when the file was replaced since its meta was read (a stale meta)', async () => {
      const { jobs } = await storeFile(catalog, 'moving.json', BLOCKS);
      await new FileApplier(kit.connect(), kit.keys, { pollMs: 5 }).ensureApplied(jobs[jobs.length - 1]);
      const stale = (await reader.fileMeta('moving.json'))!;
      expect((await reader.stateAt(stale, 14, true)).validators).toHaveLength(3);

      await catalog.drop('moving.json');
      const replaced = BLOCKS.slice(0, 3);
      const { jobs: newJobs } = await storeFile(catalog, 'moving.json', replaced);
      await new FileApplier(kit.connect(), kit.keys, { pollMs: 5 }).ensureApplied(newJobs[newJobs.length - 1]);
      await expect(reader.stateAt(stale, 12, true)).rejects.toThrow(new StateMovedError('moving.json'));
      const current = (await reader.fileMeta('moving.json'))!;
      expect(current.generation).toBeGreaterThan(stale.generation);
      expectSameState(await reader.stateAt(current, 12, true), InMemoryRegistry.replay(replaced, 12).collections(true), { height: 12 });
    });

    it('when the file is dropped and re-created while the state is being read', async () => {
      const { jobs } = await storeFile(catalog, 'mid-read.json', BLOCKS);
      await new FileApplier(kit.connect(), kit.keys, { pollMs: 5 }).ensureApplied(jobs[jobs.length - 1]);
      const before = (await reader.fileMeta('mid-read.json'))!;
      const run = STATE_PAGE.run.bind(STATE_PAGE);
      let calls = 0;
      const spy = jest.spyOn(STATE_PAGE, 'run').mockImplementation((async (...args: Parameters<typeof STATE_PAGE.run>) => {
        if (++calls === 2) {
          // Operators were read; the file is replaced before the validators are.
          await catalog.drop('mid-read.json');
          const opened = await catalog.open('mid-read.json', 'json');
          await catalog.storeBlocks('mid-read.json', opened.generation, storedBlocks(BLOCKS));
        }
        return run(...args);
      }) as never);
      try {
        await expect(reader.stateAt(before, 14, true)).rejects.toThrow(StateMovedError);
      } finally {
        spy.mockRestore();
      }
      expect(calls).toBe(4);
      // Nothing of the new generation is applied yet: its processedThrough says so.
      expect(await reader.fileMeta('mid-read.json')).toMatchObject({ appliedThrough: null, processedThrough: 9 });
    });

    it('when the file is replaced between reading the operators\' heads and their versions (no "head" error)', async () => {
      // The old content has no operator yet; the new one has.
      const { jobs } = await storeFile(catalog, 'heads.json', [{ number: 10, events: [] }]);
      await new FileApplier(kit.connect(), kit.keys, { pollMs: 5 }).ensureApplied(jobs[0]);
      const before = (await reader.fileMeta('heads.json'))!;
      const run = STATE_PAGE.run.bind(STATE_PAGE);
      let calls = 0;
      const spy = jest.spyOn(STATE_PAGE, 'run').mockImplementation((async (...args: Parameters<typeof STATE_PAGE.run>) => {
        if (++calls === 1) {
          await catalog.drop('heads.json');
          const { jobs: newJobs } = await storeFile(catalog, 'heads.json', BLOCKS.slice(0, 1));
          await new FileApplier(kit.connect(), kit.keys, { pollMs: 5 }).ensureApplied(newJobs[0]);
        }
        return run(...args);
      }) as never);
      try {
        await expect(reader.stateAt(before, 10, true)).rejects.toThrow(StateMovedError);
      } finally {
        spy.mockRestore();
      }
    });

    it('when the file was dropped (gone)', async () => {
      await storeFile(catalog, 'gone.json', []);
      const gone = (await reader.fileMeta('gone.json'))!;
      await catalog.drop('gone.json');
      await expect(reader.stateAt(gone, 0, true)).rejects.toThrow(StateMovedError);
    });
  });
});

describe('StateReader: a collection larger than one page of the state script', () => {
  const kit = new RedisTestKit();
  afterAll(() => kit.close());

  it('reads every one of 5,200 accounts, as of each height', async () => {
    const owner = (i: number) => `0x${i.toString(16).padStart(40, '0')}`;
    const blocks: Block[] = [0, 1, 2, 3].map((n) => ({
      number: 100 + n,
      events: Array.from({ length: 1300 }, (_, i) => ({
        type: 'FeeRecipientAddressUpdated',
        owner: owner(n * 1300 + i + 1),
        recipientAddress: owner(99_999),
      })),
    }));
    const catalog = new FileCatalog(kit.connect(), kit.keys);
    const reader = new StateReader(kit.connect(), kit.keys);
    const { jobs } = await storeFile(catalog, 'accounts.json', blocks);
    await new FileApplier(kit.connect(), kit.keys, { batchBlocks: 2, pollMs: 5 }).ensureApplied(jobsOf('accounts.json', jobs[0].generation, blocks)[3]);
    const meta = (await reader.fileMeta('accounts.json'))!;
    expect(meta).toMatchObject({ processedThrough: 103, eventsApplied: 5200 });
    for (const height of [99, 101, 103]) {
      const state = await reader.stateAt(meta, height, false);
      expect(state.accounts).toHaveLength(Math.max(0, height - 99) * 1300);
      expectSameState(state, InMemoryRegistry.replay(blocks, height).collections(false), { height });
    }
  });
});
