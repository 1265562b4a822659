import { InMemoryRegistry } from './in-memory-registry';
import {
  ALICE,
  block,
  BOB,
  CAROL,
  clusterLiquidated,
  operatorAdded,
  operatorRemoved,
  operatorsAdded,
  replay,
  validatorAdded,
  validatorKey,
  validatorRemoved,
} from '../testing/builders';

const IDS = [1, 2, 3, 4];
const V1 = validatorKey(1);
const V2 = validatorKey(2);

const HISTORY = [
  block(3, ...operatorsAdded(CAROL, [1, 2, 3, 4, 10, 11, 12])),
  block(5, validatorAdded(ALICE, IDS, V1), operatorRemoved(99)),
  block(8, validatorAdded(ALICE, [1, 10, 11, 12], V2), operatorAdded(1, BOB)),
  block(9, validatorRemoved(ALICE, IDS, V1)),
];

describe('InMemoryRegistry.replay', () => {
  it('gives the empty state below the first block', () => {
    const registry = InMemoryRegistry.replay(HISTORY, 2);
    expect(registry.collections(true)).toEqual({ operators: [], validators: [], clusters: [], accounts: [] });
    expect(registry.rejections).toEqual([]);
  });

  it('applies every block numbered up to N, and no later one', () => {
    const at5 = InMemoryRegistry.replay(HISTORY, 5);
    expect(at5.collections().validators.map((v) => v.publicKey)).toEqual([V1]);
    expect(at5.rejections.map((r) => r.blockNumber)).toEqual([5]);
    const at7 = InMemoryRegistry.replay(HISTORY, 7);
    expect(at7.collections(true)).toEqual(at5.collections(true));
    const at8 = InMemoryRegistry.replay(HISTORY, 8);
    expect(at8.collections().validators.map((v) => v.publicKey)).toEqual([V1, V2]);
    expect(at8.rejections.map((r) => [r.blockNumber, r.code])).toEqual([
      [5, 'OperatorDoesNotExist'],
      [8, 'OperatorAlreadyExists'],
    ]);
  });

  it('applies everything by default', () => {
    const registry = InMemoryRegistry.replay(HISTORY);
    expect(registry.collections().validators.map((v) => v.publicKey)).toEqual([V2]);
    expect(registry.collections(true).validators.map((v) => v.publicKey)).toEqual([V1, V2]);
  });

  it('orders clusters as plain strings and operators numerically', () => {
    const { clusters, operators } = InMemoryRegistry.replay(HISTORY).collections();
    expect(clusters.map((c) => c.clusterId)).toEqual([`${ALICE}-1-10-11-12`, `${ALICE}-1-2-3-4`]);
    expect(operators.map((o) => o.operatorId)).toEqual([1, 2, 3, 4, 10, 11, 12]);
  });
});

describe('InMemoryRegistry.applyBlock', () => {
  it('returns the outcome of the block and commits its changes', () => {
    const registry = replay(HISTORY[0]);
    const outcome = registry.applyBlock(HISTORY[1]);
    expect(outcome).toMatchObject({ blockNumber: 5, eventsApplied: 1, eventsRejected: 1 });
    expect(registry.getValidator(V1)).toBe(outcome.changes.validators.get(V1));
    expect(registry.getOperator(1)?.validatorCount).toBe(1);
    expect(registry.rejections).toEqual(outcome.rejections);
  });
});

describe('InMemoryRegistry indexes', () => {
  it('finds live operators by public key only', () => {
    const registry = replay(block(1, operatorAdded(1, CAROL, 'k1'), operatorAdded(2, CAROL, 'k2')));
    expect(registry.findOperatorByPublicKey('k1')).toBe(1);
    registry.applyBlock(block(2, operatorRemoved(1)));
    expect(registry.findOperatorByPublicKey('k1')).toBeUndefined();
    expect(registry.findOperatorByPublicKey('k2')).toBe(2);
    registry.applyBlock(block(3, operatorAdded(3, BOB, 'k1')));
    expect(registry.findOperatorByPublicKey('k1')).toBe(3);
    expect(registry.findOperatorByPublicKey('nobody')).toBeUndefined();
  });

  it('keeps the new holder of a key freed and reused in the same block', () => {
    const registry = replay(block(1, operatorAdded(1, CAROL, 'k')), block(2, operatorRemoved(1), operatorAdded(2, CAROL, 'k')));
    expect(registry.findOperatorByPublicKey('k')).toBe(2);
  });

  it('lists the live validators of a cluster', () => {
    const cluster = `${ALICE}-1-2-3-4`;
    const registry = replay(block(1, ...operatorsAdded(CAROL, [1, 2, 3, 4, 5, 6, 7, 8])), block(2, validatorAdded(ALICE, IDS, V1), validatorAdded(ALICE, IDS, V2)));
    expect(registry.listClusterValidators(cluster)).toEqual([V1, V2]);
    registry.applyBlock(block(3, validatorRemoved(ALICE, IDS, V1), clusterLiquidated(ALICE, IDS)));
    expect(registry.listClusterValidators(cluster)).toEqual([V2]);
    registry.applyBlock(block(4, validatorAdded(BOB, [5, 6, 7, 8], V1)));
    expect(registry.listClusterValidators(cluster)).toEqual([V2]);
    expect(registry.listClusterValidators(`${BOB}-5-6-7-8`)).toEqual([V1]);
    expect(registry.listClusterValidators(`${CAROL}-1-2-3-4`)).toEqual([]);
  });

  it('answers undefined for what it does not hold', () => {
    const registry = new InMemoryRegistry();
    expect(registry.getOperator(1)).toBeUndefined();
    expect(registry.getValidator(V1)).toBeUndefined();
    expect(registry.getCluster(`${ALICE}-1-2-3-4`)).toBeUndefined();
    expect(registry.getAccount(ALICE)).toBeUndefined();
  });
});
