import { Account, Cluster, Operator, ValidatorRecord } from './entities';
import { countChanges, eachChange, emptyChanges, RegistryOverlay } from './registry-view';
import {
  ALICE,
  block,
  BOB,
  CAROL,
  operatorAdded,
  operatorRemoved,
  operatorsAdded,
  replay,
  validatorAdded,
  validatorKey,
} from '../testing/builders';

const IDS = [1, 2, 3, 4];
const ALICE_CLUSTER = `${ALICE}-1-2-3-4`;
const BOB_CLUSTER = `${BOB}-1-2-3-4`;
const V1 = validatorKey(1);
const V2 = validatorKey(2);
const V3 = validatorKey(3);

const operator = (operatorId: number, publicKey: string, removed = false): Operator => ({
  operatorId,
  owner: CAROL,
  publicKey,
  fee: '0',
  declaredFee: null,
  isPrivate: false,
  validatorCount: 0,
  removed,
  lastUpdateBlock: 9,
});

const validator = (publicKey: string, clusterId: string, removed = false): ValidatorRecord => ({
  publicKey,
  owner: clusterId.split('-')[0],
  operatorIds: IDS,
  clusterId,
  exited: false,
  removed,
  lastUpdateBlock: 9,
});

const cluster = (clusterId: string, validatorCount: number): Cluster => ({
  clusterId,
  owner: clusterId.split('-')[0],
  operatorIds: IDS,
  validatorCount,
  active: true,
  balance: null,
  lastUpdateBlock: 9,
});

const account = (owner: string, nonce: number): Account => ({ owner, feeRecipient: owner, nonce, validatorCount: 0 });

/** A base with operators 1..4 (keys operator-key-N) and ALICE's validators V1, V2 on them. */
const base = () => replay(block(1, ...operatorsAdded(CAROL, IDS)), block(2, validatorAdded(ALICE, IDS, V1), validatorAdded(ALICE, IDS, V2)));

describe('emptyChanges / countChanges / eachChange', () => {
  it('starts empty', () => {
    const changes = emptyChanges();
    expect(countChanges(changes)).toBe(0);
    expect([...eachChange(changes)]).toEqual([]);
  });

  it('gives fresh maps each time', () => {
    const a = emptyChanges();
    a.operators.set(1, operator(1, 'k'));
    expect(emptyChanges().operators.size).toBe(0);
  });

  it('counts and lists every change as [kind, key, entity], operators first', () => {
    const changes = emptyChanges();
    changes.accounts.set(ALICE, account(ALICE, 1));
    changes.clusters.set(ALICE_CLUSTER, cluster(ALICE_CLUSTER, 1));
    changes.validators.set(V1, validator(V1, ALICE_CLUSTER));
    changes.operators.set(7, operator(7, 'k7'));
    changes.operators.set(3, operator(3, 'k3'));
    expect(countChanges(changes)).toBe(5);
    expect([...eachChange(changes)].map(([kind, key]) => [kind, key])).toEqual([
      ['operators', '7'],
      ['operators', '3'],
      ['validators', V1],
      ['clusters', ALICE_CLUSTER],
      ['accounts', ALICE],
    ]);
    expect([...eachChange(changes)][2][2]).toBe(changes.validators.get(V1));
  });
});

describe('RegistryOverlay', () => {
  it('reads the base until something is written', () => {
    const registry = base();
    const overlay = new RegistryOverlay(registry);
    expect(overlay.getOperator(1)).toBe(registry.getOperator(1));
    expect(overlay.getValidator(V1)).toBe(registry.getValidator(V1));
    expect(overlay.getCluster(ALICE_CLUSTER)).toBe(registry.getCluster(ALICE_CLUSTER));
    expect(overlay.getAccount(ALICE)).toBe(registry.getAccount(ALICE));
    expect(overlay.findOperatorByPublicKey('operator-key-2')).toBe(2);
    expect(overlay.listClusterValidators(ALICE_CLUSTER)).toEqual([V1, V2]);
    expect(overlay.getOperator(99)).toBeUndefined();
    expect(countChanges(overlay.changes)).toBe(0);
  });

  it('shows what was written over the base, and never writes into the base', () => {
    const registry = base();
    const before = JSON.stringify(registry.collections(true));
    const overlay = new RegistryOverlay(registry);
    overlay.setOperator({ ...operator(1, 'operator-key-1'), fee: '5' });
    overlay.setValidator({ ...validator(V1, ALICE_CLUSTER), exited: true });
    overlay.setCluster(cluster(ALICE_CLUSTER, 7));
    overlay.setAccount(account(ALICE, 42));
    overlay.setAccount(account(BOB, 1));
    expect(overlay.getOperator(1)?.fee).toBe('5');
    expect(overlay.getValidator(V1)?.exited).toBe(true);
    expect(overlay.getCluster(ALICE_CLUSTER)?.validatorCount).toBe(7);
    expect(overlay.getAccount(ALICE)?.nonce).toBe(42);
    expect(overlay.getAccount(BOB)?.nonce).toBe(1);
    expect(countChanges(overlay.changes)).toBe(5);
    expect(JSON.stringify(registry.collections(true))).toBe(before);
    expect(registry.getAccount(BOB)).toBeUndefined();
  });

  describe('findOperatorByPublicKey', () => {
    it('finds an operator added in the overlay', () => {
      const overlay = new RegistryOverlay(base());
      overlay.setOperator(operator(5, 'new-key'));
      expect(overlay.findOperatorByPublicKey('new-key')).toBe(5);
    });

    it('hides a base operator removed in the overlay', () => {
      const overlay = new RegistryOverlay(base());
      overlay.setOperator(operator(2, 'operator-key-2', true));
      expect(overlay.findOperatorByPublicKey('operator-key-2')).toBeUndefined();
      expect(overlay.findOperatorByPublicKey('operator-key-3')).toBe(3);
    });

    it('still finds a base operator changed but not removed in the overlay', () => {
      const overlay = new RegistryOverlay(base());
      overlay.setOperator({ ...operator(2, 'operator-key-2'), isPrivate: true });
      expect(overlay.findOperatorByPublicKey('operator-key-2')).toBe(2);
    });

    it('finds the new holder of a key freed in the overlay', () => {
      const overlay = new RegistryOverlay(base());
      overlay.setOperator(operator(2, 'operator-key-2', true));
      overlay.setOperator(operator(9, 'operator-key-2'));
      expect(overlay.findOperatorByPublicKey('operator-key-2')).toBe(9);
    });

    it('ignores a removed operator of the base (the base answers only live ones)', () => {
      const registry = replay(block(1, operatorAdded(1, CAROL, 'k')), block(2, operatorRemoved(1)));
      expect(new RegistryOverlay(registry).findOperatorByPublicKey('k')).toBeUndefined();
    });
  });

  describe('listClusterValidators', () => {
    it('adds validators joining the cluster in the overlay', () => {
      const overlay = new RegistryOverlay(base());
      overlay.setValidator(validator(V3, ALICE_CLUSTER));
      expect(overlay.listClusterValidators(ALICE_CLUSTER)).toEqual([V1, V2, V3]);
    });

    it('drops validators removed in the overlay', () => {
      const overlay = new RegistryOverlay(base());
      overlay.setValidator(validator(V1, ALICE_CLUSTER, true));
      expect(overlay.listClusterValidators(ALICE_CLUSTER)).toEqual([V2]);
    });

    it('moves a re-registered key to its new cluster', () => {
      const overlay = new RegistryOverlay(base());
      overlay.setValidator(validator(V2, BOB_CLUSTER));
      expect(overlay.listClusterValidators(ALICE_CLUSTER)).toEqual([V1]);
      expect(overlay.listClusterValidators(BOB_CLUSTER)).toEqual([V2]);
    });

    it('keeps a validator changed but still a member', () => {
      const overlay = new RegistryOverlay(base());
      overlay.setValidator({ ...validator(V1, ALICE_CLUSTER), exited: true });
      expect(overlay.listClusterValidators(ALICE_CLUSTER)).toEqual([V1, V2]);
    });

    it('lists nothing for an unknown cluster', () => {
      expect(new RegistryOverlay(base()).listClusterValidators(BOB_CLUSTER)).toEqual([]);
    });
  });

  describe('absorb', () => {
    it('lays later changes over the earlier ones', () => {
      const overlay = new RegistryOverlay(base());
      overlay.setOperator({ ...operator(1, 'operator-key-1'), fee: '1' });
      overlay.setAccount(account(ALICE, 1));
      const later = emptyChanges();
      later.operators.set(1, { ...operator(1, 'operator-key-1'), fee: '2' });
      later.operators.set(6, operator(6, 'k6'));
      later.validators.set(V3, validator(V3, ALICE_CLUSTER));
      later.clusters.set(BOB_CLUSTER, cluster(BOB_CLUSTER, 0));
      later.accounts.set(BOB, account(BOB, 3));
      overlay.absorb(later);
      expect(overlay.getOperator(1)?.fee).toBe('2');
      expect(overlay.getOperator(6)?.publicKey).toBe('k6');
      expect(overlay.getAccount(ALICE)?.nonce).toBe(1);
      expect(overlay.getAccount(BOB)?.nonce).toBe(3);
      expect(overlay.getCluster(BOB_CLUSTER)?.validatorCount).toBe(0);
      expect(overlay.listClusterValidators(ALICE_CLUSTER)).toEqual([V1, V2, V3]);
      expect(countChanges(overlay.changes)).toBe(6);
    });
  });
});
