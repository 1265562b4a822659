import { Account, Cluster, clusterIdOf, entityKey, isRemoved, Operator, toCollections, ValidatorRecord } from './entities';
import { ALICE, BOB, CAROL, validatorKey } from '../testing/builders';

const operator = (operatorId: number, removed = false): Operator => ({
  operatorId,
  owner: CAROL,
  publicKey: `k${operatorId}`,
  fee: '0',
  declaredFee: null,
  isPrivate: false,
  validatorCount: 0,
  removed,
  lastUpdateBlock: 1,
});

const record = (publicKey: string, clusterId: string, flags: { exited?: boolean; removed?: boolean } = {}): ValidatorRecord => ({
  publicKey,
  owner: clusterId.split('-')[0],
  operatorIds: clusterId.split('-').slice(1).map(Number),
  clusterId,
  exited: flags.exited ?? false,
  removed: flags.removed ?? false,
  lastUpdateBlock: 3,
});

const cluster = (clusterId: string, active = true): Cluster => ({
  clusterId,
  owner: clusterId.split('-')[0],
  operatorIds: clusterId.split('-').slice(1).map(Number),
  validatorCount: 1,
  active,
  balance: null,
  lastUpdateBlock: 2,
});

const account = (owner: string): Account => ({ owner, feeRecipient: owner, nonce: 0, validatorCount: 0 });

describe('clusterIdOf', () => {
  it('joins the owner and the ids in the given order', () => {
    expect(clusterIdOf(ALICE, [1, 2, 3, 4])).toBe(`${ALICE}-1-2-3-4`);
    expect(clusterIdOf(ALICE, [10, 2])).toBe(`${ALICE}-10-2`);
    expect(clusterIdOf(ALICE, [])).toBe(ALICE);
  });
});

describe('entityKey', () => {
  it('is the id of each kind, as a string', () => {
    expect(entityKey('operators', operator(12))).toBe('12');
    expect(entityKey('validators', record(validatorKey(1), `${ALICE}-1-2-3-4`))).toBe(validatorKey(1));
    expect(entityKey('clusters', cluster(`${ALICE}-1-2-3-4`))).toBe(`${ALICE}-1-2-3-4`);
    expect(entityKey('accounts', account(BOB))).toBe(BOB);
  });
});

describe('isRemoved', () => {
  it('is the removed flag of operators and validators', () => {
    expect(isRemoved('operators', operator(1, true))).toBe(true);
    expect(isRemoved('operators', operator(1, false))).toBe(false);
    expect(isRemoved('validators', record(validatorKey(1), `${ALICE}-1`, { removed: true }))).toBe(true);
    expect(isRemoved('validators', record(validatorKey(1), `${ALICE}-1`))).toBe(false);
  });

  it('is never true for clusters and accounts', () => {
    expect(isRemoved('clusters', cluster(`${ALICE}-1`))).toBe(false);
    expect(isRemoved('accounts', account(ALICE))).toBe(false);
  });
});

describe('toCollections', () => {
  const A2 = `${ALICE}-1-2-3-4`;
  const A10 = `${ALICE}-1-10-11-12`;
  const B = `${BOB}-1-2-3-4`;
  const entities = () => ({
    operators: [operator(10), operator(2, true), operator(9), operator(1)],
    validators: [
      record(validatorKey(0xb), A2),
      record(validatorKey(0xa), A10, { removed: true }),
      record(validatorKey(0x3), A10, { exited: true }),
      record(validatorKey(0x2), A10),
      record(validatorKey(0x1), B, { exited: true, removed: true }),
    ],
    clusters: [cluster(B), cluster(A2), cluster(A10, false)],
    accounts: [account(CAROL), account(ALICE), account(BOB)],
  });

  it('orders operators numerically and leaves removed ones out', () => {
    expect(toCollections(entities(), false).operators.map((o) => o.operatorId)).toEqual([1, 9, 10]);
    expect(toCollections(entities(), true).operators.map((o) => o.operatorId)).toEqual([1, 2, 9, 10]);
  });

  it('orders clusters as plain strings (…-1-10-… before …-1-2-…) and always lists them', () => {
    expect(toCollections(entities(), false).clusters.map((c) => c.clusterId)).toEqual([A10, A2, B]);
  });

  it('orders accounts by owner', () => {
    expect(toCollections(entities(), false).accounts.map((a) => a.owner)).toEqual([ALICE, BOB, CAROL]);
  });

  it('orders validators by key and derives their status', () => {
    expect(toCollections(entities(), true).validators.map((v) => [v.publicKey, v.status, v.removed])).toEqual([
      [validatorKey(0x1), 'exited', true],
      [validatorKey(0x2), 'liquidated', false],
      [validatorKey(0x3), 'exited', false],
      [validatorKey(0xa), 'liquidated', true],
      [validatorKey(0xb), 'active', false],
    ]);
    expect(toCollections(entities(), false).validators.map((v) => v.publicKey)).toEqual([
      validatorKey(0x2),
      validatorKey(0x3),
      validatorKey(0xb),
    ]);
  });

  it('returns validators in the API shape, without the stored exited flag', () => {
    expect(toCollections(entities(), false).validators[0]).toEqual({
      publicKey: validatorKey(0x2),
      owner: ALICE,
      operatorIds: [1, 10, 11, 12],
      clusterId: A10,
      status: 'liquidated',
      removed: false,
      lastUpdateBlock: 3,
    });
  });

  it('compares keys as plain strings, not by locale', () => {
    const upper = { ...account(ALICE), owner: 'B' };
    const lower = { ...account(ALICE), owner: 'a' };
    expect(toCollections({ operators: [], validators: [], clusters: [], accounts: [lower, upper] }, false).accounts.map((a) => a.owner)).toEqual([
      'B',
      'a',
    ]);
  });

  it('takes any iterables and leaves the given arrays in their order', () => {
    const given = entities();
    const operators = given.operators.map((o) => o.operatorId);
    const clusters = given.clusters.map((c) => c.clusterId);
    const result = toCollections({ ...given, operators: new Set(given.operators).values() }, true);
    expect(result.operators).toHaveLength(4);
    expect(given.operators.map((o) => o.operatorId)).toEqual(operators);
    expect(given.clusters.map((c) => c.clusterId)).toEqual(clusters);
  });

  it('gives empty collections for an empty state', () => {
    expect(toCollections({ operators: [], validators: [], clusters: [], accounts: [] }, true)).toEqual({
      operators: [],
      validators: [],
      clusters: [],
      accounts: [],
    });
  });
});
