import { applyBlock } from './apply-block';
import { Block } from './blocks';
import { Account, Cluster, Operator, ValidatorRecord } from './entities';
import { InMemoryRegistry } from './in-memory-registry';
import { addLookupsFor, emptyLookups, Lookups } from './lookups';
import { RegistryOverlay, RegistryView } from './registry-view';
import {
  address,
  ALICE,
  block,
  BOB,
  CAROL,
  clusterDeposited,
  clusterLiquidated,
  clusterReactivated,
  clusterWithdrawn,
  feeRecipientAddressUpdated,
  operatorAdded,
  operatorFeeDeclarationCancelled,
  operatorFeeDeclared,
  operatorFeeExecuted,
  operatorPrivacyStatusUpdated,
  operatorRemoved,
  operatorsAdded,
  RawEvent,
  snapshot,
  validatorAdded,
  validatorExited,
  validatorKey,
  validatorRemoved,
} from '../testing/builders';

const IDS = [1, 2, 3, 4];
const OTHER_IDS = [5, 6, 7, 8];
const ALICE_CLUSTER = `${ALICE}-1-2-3-4`;
const V = (n: number) => validatorKey(n);

/** Lookups as plain sorted arrays, for comparing. */
const plain = (lookups: Lookups) => ({
  operatorIds: [...lookups.operatorIds].sort((a, b) => a - b),
  operatorPublicKeys: [...lookups.operatorPublicKeys].sort(),
  validatorKeys: [...lookups.validatorKeys].sort(),
  clusterIds: [...lookups.clusterIds].sort(),
  owners: [...lookups.owners].sort(),
  clusterMembers: [...lookups.clusterMembers].sort(),
});

const lookupsOf = (...events: unknown[]) => plain(addLookupsFor(events, emptyLookups()));

type PlainLookups = ReturnType<typeof plain>;
const none: PlainLookups = { operatorIds: [], operatorPublicKeys: [], validatorKeys: [], clusterIds: [], owners: [], clusterMembers: [] };

describe('emptyLookups', () => {
  it('is empty, and fresh each time', () => {
    const lookups = emptyLookups();
    expect(plain(lookups)).toEqual(none);
    lookups.owners.add(ALICE);
    expect(emptyLookups().owners.size).toBe(0);
  });
});

describe('addLookupsFor', () => {
  it.each<[string, RawEvent, Partial<PlainLookups>]>([
    ['OperatorAdded', operatorAdded(7, ALICE, 'Key=='), { operatorIds: [7], operatorPublicKeys: ['Key=='], owners: [ALICE] }],
    ['OperatorRemoved', operatorRemoved('7'), { operatorIds: [7] }],
    ['OperatorFeeDeclared', operatorFeeDeclared(BOB, 7, '1'), { operatorIds: [7], owners: [BOB] }],
    ['OperatorFeeDeclarationCancelled', operatorFeeDeclarationCancelled(BOB, 7), { operatorIds: [7], owners: [BOB] }],
    ['OperatorFeeExecuted', operatorFeeExecuted(BOB, 7, '1'), { operatorIds: [7], owners: [BOB] }],
    ['OperatorPrivacyStatusUpdated', operatorPrivacyStatusUpdated([3, 9], true), { operatorIds: [3, 9] }],
    [
      'ValidatorAdded',
      validatorAdded(ALICE, IDS, `0x${V(0xabc).slice(2).toUpperCase()}`),
      { operatorIds: IDS, validatorKeys: [V(0xabc)], clusterIds: [ALICE_CLUSTER], owners: [ALICE] },
    ],
    [
      'ValidatorRemoved',
      validatorRemoved(ALICE, IDS, V(1)),
      { operatorIds: IDS, validatorKeys: [V(1)], clusterIds: [ALICE_CLUSTER], owners: [ALICE] },
    ],
    [
      'ValidatorExited',
      validatorExited(ALICE, IDS, V(1)),
      { operatorIds: IDS, validatorKeys: [V(1)], clusterIds: [ALICE_CLUSTER], owners: [ALICE] },
    ],
    [
      'ClusterLiquidated',
      clusterLiquidated(ALICE, IDS),
      { operatorIds: IDS, clusterIds: [ALICE_CLUSTER], owners: [ALICE], clusterMembers: [ALICE_CLUSTER] },
    ],
    [
      'ClusterReactivated',
      clusterReactivated(ALICE, IDS),
      { operatorIds: IDS, clusterIds: [ALICE_CLUSTER], owners: [ALICE], clusterMembers: [ALICE_CLUSTER] },
    ],
    ['ClusterDeposited', clusterDeposited(ALICE, [4, 3, 2, 1]), { operatorIds: IDS, clusterIds: [`${ALICE}-4-3-2-1`], owners: [ALICE] }],
    ['ClusterWithdrawn', clusterWithdrawn(ALICE, IDS), { operatorIds: IDS, clusterIds: [ALICE_CLUSTER], owners: [ALICE] }],
    ['FeeRecipientAddressUpdated', feeRecipientAddressUpdated(ALICE, BOB), { owners: [ALICE] }],
  ])('collects what %s reads', (_type, event, expected) => {
    expect(lookupsOf(event)).toEqual({ ...none, ...expected });
  });

  it('uses the canonical values (lowercase owner, numeric ids)', () => {
    expect(lookupsOf(validatorAdded(ALICE.toUpperCase().replace('0X', '0x'), ['1', '2', '3', '04'], V(1)))).toMatchObject({
      owners: [ALICE],
      operatorIds: IDS,
      clusterIds: [ALICE_CLUSTER],
    });
  });

  it('skips events that cannot be read', () => {
    expect(
      lookupsOf(
        'junk',
        { type: 'Nope', owner: ALICE, operatorId: 1 },
        validatorAdded(ALICE, IDS, 'bad-key'),
        { ...clusterLiquidated(ALICE, IDS), $undecodable: 'bad log' },
      ),
    ).toEqual(none);
  });

  it('adds into the lookups it is given, and returns them', () => {
    const lookups = emptyLookups();
    const returned = addLookupsFor([operatorRemoved(1)], lookups);
    expect(returned).toBe(lookups);
    addLookupsFor([operatorRemoved(2), feeRecipientAddressUpdated(BOB, BOB)], lookups);
    expect(plain(lookups)).toEqual({ ...none, operatorIds: [1, 2], owners: [BOB] });
  });
});

/**
 * A view holding only what was loaded for some lookups, as a store that cannot answer
 * synchronously would: asking for anything else throws, which proves the lookups complete.
 */
class LoadedView implements RegistryView {
  private readonly operators = new Map<number, Operator | undefined>();
  private readonly operatorKeys = new Map<string, number | undefined>();
  private readonly validators = new Map<string, ValidatorRecord | undefined>();
  private readonly clusters = new Map<string, Cluster | undefined>();
  private readonly accounts = new Map<string, Account | undefined>();
  private readonly members = new Map<string, readonly string[]>();

  constructor(source: RegistryView, lookups: Lookups) {
    for (const id of lookups.operatorIds) this.operators.set(id, source.getOperator(id));
    for (const key of lookups.operatorPublicKeys) this.operatorKeys.set(key, source.findOperatorByPublicKey(key));
    for (const key of lookups.validatorKeys) this.validators.set(key, source.getValidator(key));
    for (const id of lookups.clusterIds) this.clusters.set(id, source.getCluster(id));
    for (const owner of lookups.owners) this.accounts.set(owner, source.getAccount(owner));
    for (const id of lookups.clusterMembers) {
      const members = source.listClusterValidators(id);
      this.members.set(id, members);
      for (const key of members) this.validators.set(key, source.getValidator(key));
    }
  }

  private static read<K, V>(map: Map<K, V>, key: K, what: string): V {
    if (!map.has(key)) throw new Error(`not loaded: ${what} ${String(key)}`);
    return map.get(key) as V;
  }

  getOperator(operatorId: number) {
    return LoadedView.read(this.operators, operatorId, 'operator');
  }
  findOperatorByPublicKey(publicKey: string) {
    return LoadedView.read(this.operatorKeys, publicKey, 'operator public key');
  }
  getValidator(publicKey: string) {
    return LoadedView.read(this.validators, publicKey, 'validator');
  }
  getCluster(clusterId: string) {
    return LoadedView.read(this.clusters, clusterId, 'cluster');
  }
  getAccount(owner: string) {
    return LoadedView.read(this.accounts, owner, 'account');
  }
  listClusterValidators(clusterId: string) {
    return LoadedView.read(this.members, clusterId, 'members of cluster');
  }
}

/** Blocks that use every rule, accepted and rejected, on a state built by the earlier blocks. */
const HISTORY: Block[] = [
  block(1, ...operatorsAdded(CAROL, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]), operatorAdded(11, BOB, 'bob-key')),
  block(
    2,
    validatorAdded(ALICE, IDS, V(1), { cluster: snapshot('10') }),
    validatorAdded(ALICE, IDS, V(2)),
    validatorAdded(ALICE, IDS, V(3)),
    validatorAdded(BOB, IDS, V(4)),
    validatorAdded(BOB, OTHER_IDS, V(5)),
    validatorAdded(ALICE, [1, 2, 3], V(6)),
    validatorAdded(BOB, OTHER_IDS, V(1)),
    operatorAdded(11, ALICE, 'other-key'),
    operatorAdded(12, ALICE, 'bob-key'),
  ),
  block(
    3,
    validatorExited(ALICE, IDS, V(2)),
    validatorRemoved(ALICE, IDS, V(3)),
    operatorFeeDeclared(CAROL, 1, '5'),
    operatorFeeDeclared(BOB, 2, '5'),
    operatorFeeDeclarationCancelled(CAROL, 3),
    operatorFeeExecuted(address('d'), 5, '1'),
    operatorPrivacyStatusUpdated([1, 2, 99], true),
    operatorPrivacyStatusUpdated([5, 6], true),
  ),
  // Liquidation reads the members loaded for the cluster: V1 live, V2 exited (V3 removed).
  block(4, clusterLiquidated(ALICE, IDS, { cluster: snapshot('0') }), validatorAdded(ALICE, IDS, V(7)), clusterLiquidated(ALICE, IDS)),
  block(5, operatorRemoved(4), validatorRemoved(ALICE, IDS, V(1)), operatorRemoved(11), operatorAdded(13, CAROL, 'bob-key')),
  block(6, clusterReactivated(ALICE, IDS), clusterReactivated(ALICE, IDS), clusterReactivated(BOB, OTHER_IDS), clusterReactivated(CAROL, IDS)),
  // V3 (removed from ALICE's cluster) comes back in BOB's other cluster, then that cluster is liquidated.
  block(7, validatorAdded(BOB, OTHER_IDS, V(3)), clusterLiquidated(BOB, OTHER_IDS), validatorRemoved(BOB, OTHER_IDS, V(5))),
  block(
    8,
    clusterDeposited(CAROL, [20, 30, 40, 50], '1', { cluster: snapshot('1') }),
    clusterDeposited(CAROL, [3, 2, 1]),
    clusterWithdrawn(CAROL, [20, 30, 40, 50], '1', { cluster: snapshot('0') }),
    clusterWithdrawn(BOB, [20, 30, 40, 50]),
    clusterLiquidated(CAROL, [20, 30, 40, 50]),
    clusterReactivated(CAROL, [20, 30, 40, 50]),
    operatorFeeExecuted(CAROL, 1, '5'),
    operatorFeeExecuted(CAROL, 4, '5'),
    feeRecipientAddressUpdated(BOB, CAROL),
  ),
  block(
    9,
    validatorExited(BOB, IDS, V(4)),
    validatorExited(ALICE, IDS, V(4)),
    validatorRemoved(BOB, IDS, V(1)),
    validatorRemoved(BOB, [1, 2, 3, 5], V(4)),
    clusterLiquidated(BOB, IDS),
    validatorAdded(ALICE, [1, 2, 3, 5], V(1)),
    'junk',
    { type: 'Unknown', owner: ALICE },
  ),
  block(10, clusterReactivated(BOB, IDS), clusterReactivated(BOB, OTHER_IDS), validatorRemoved(BOB, IDS, V(4))),
];

describe('addLookupsFor covers everything the rules read', () => {
  it('the history exercises accepted and rejected events of every kind', () => {
    const reference = InMemoryRegistry.replay(HISTORY);
    const codes = new Set(reference.rejections.map((r) => r.code));
    expect([...codes].sort()).toEqual(
      [
        'CallerNotOwner',
        'ClusterAlreadyEnabled',
        'ClusterDoesNotExist',
        'ClusterIsLiquidated',
        'IncorrectOperatorIds',
        'IncorrectValidatorOwner',
        'InvalidEvent',
        'InvalidOperatorIdsLength',
        'NoFeeDeclared',
        'OperatorAlreadyExists',
        'OperatorDoesNotExist',
        'OperatorPublicKeyAlreadyExists',
        'UnknownEventType',
        'UnsortedOperatorsList',
        'ValidatorAlreadyExists',
        'ValidatorDoesNotExist',
      ].sort(),
    );
    const validators = reference.collections(true).validators;
    expect(validators.map((v) => [v.publicKey, v.owner, v.status, v.removed])).toEqual([
      [V(1), ALICE, 'active', false],
      [V(2), ALICE, 'exited', false],
      [V(3), BOB, 'active', false],
      [V(4), BOB, 'exited', true],
      [V(5), BOB, 'active', true],
    ]);
  });

  it('block by block, through a view holding only the lookups', () => {
    const reference = new InMemoryRegistry();
    for (const each of HISTORY) {
      const view = new LoadedView(reference, addLookupsFor(each.events, emptyLookups()));
      const outcome = applyBlock(view, each);
      const expected = applyBlock(reference, each);
      expect(outcome).toEqual(expected);
      reference.commit(expected.changes);
    }
    expect(reference.collections(true).clusters).toHaveLength(5);
  });

  it('for a batch of blocks loaded at once and folded into one overlay', () => {
    const reference = InMemoryRegistry.replay(HISTORY.slice(0, 2));
    const batch = HISTORY.slice(2);
    const lookups = emptyLookups();
    for (const each of batch) addLookupsFor(each.events, lookups);
    const overlay = new RegistryOverlay(new LoadedView(reference, lookups));
    const outcomes = batch.map((each) => {
      const outcome = applyBlock(overlay, each);
      overlay.absorb(outcome.changes);
      return outcome;
    });
    const expected = InMemoryRegistry.replay(HISTORY);
    reference.commit(overlay.changes);
    expect(reference.collections(true)).toEqual(expected.collections(true));
    expect(outcomes.flatMap((o) => o.rejections)).toEqual(expected.rejections.filter((r) => r.blockNumber > 2));
  });

  it('the loaded view does refuse what was not loaded (the check can fail)', () => {
    const reference = InMemoryRegistry.replay(HISTORY.slice(0, 3));
    const liquidation = block(4, clusterLiquidated(ALICE, IDS));
    const lookups = addLookupsFor(liquidation.events, emptyLookups());
    lookups.clusterMembers.clear();
    expect(() => applyBlock(new LoadedView(reference, lookups), liquidation)).toThrow(`not loaded: members of cluster ${ALICE_CLUSTER}`);
    expect(() => applyBlock(new LoadedView(reference, emptyLookups()), liquidation)).toThrow('not loaded: account');
  });
});
