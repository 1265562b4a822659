import { applyBlock, REJECTION_CODES } from './apply-block';
import { clusterIdOf, Operator } from './entities';
import { InMemoryRegistry } from './in-memory-registry';
import { RegistryView } from './registry-view';
import { UNDECODABLE } from './events';
import {
  accountIn,
  address,
  ALICE,
  block,
  BOB,
  CAROL,
  clusterDeposited,
  clusterIn,
  clusterLiquidated,
  clusterReactivated,
  clusterWithdrawn,
  feeRecipientAddressUpdated,
  operatorAdded,
  operatorFeeDeclarationCancelled,
  operatorFeeDeclared,
  operatorFeeExecuted,
  operatorIn,
  operatorPrivacyStatusUpdated,
  operatorRemoved,
  operatorsAdded,
  rejectionCodes,
  replay,
  snapshot,
  stateOf,
  UINT256_MAX,
  validatorAdded,
  validatorExited,
  validatorIn,
  validatorKey,
  validatorRemoved,
} from '../testing/builders';

/** Operators 1..14, owned by CAROL (validator owners are ALICE and BOB), added in block 1. */
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
const OPERATORS = block(1, ...operatorsAdded(CAROL, range(1, 14)));
const IDS = [1, 2, 3, 4];
const OTHER_IDS = [5, 6, 7, 8];
const ALICE_CLUSTER = `${ALICE}-1-2-3-4`;
const V1 = validatorKey(1);
const V2 = validatorKey(2);
const V3 = validatorKey(3);
/** A key with hex letters, to check that keys are lowercased. */
const VX = validatorKey(0xabcdef);
const upper = (hex: string) => `0x${hex.slice(2).toUpperCase()}`;

/** The operators `ids` of a registry, as `[validatorCount, lastUpdateBlock]` pairs. */
const operatorCounts = (registry: InMemoryRegistry, ids: readonly number[]) =>
  ids.map((id) => [operatorIn(registry, id).validatorCount, operatorIn(registry, id).lastUpdateBlock]);

/** The single rejection of a registry. */
function onlyRejection(registry: InMemoryRegistry) {
  expect(registry.rejections).toHaveLength(1);
  return registry.rejections[0];
}

const accountOwners = (registry: InMemoryRegistry) => stateOf(registry).accounts.map((a) => a.owner);

describe('REJECTION_CODES', () => {
  it('lists the sixteen codes of spec §4', () => {
    expect(REJECTION_CODES).toHaveLength(16);
    expect(new Set(REJECTION_CODES).size).toBe(16);
  });
});

describe('applyBlock: the outcome', () => {
  it('records each rejection with its block number, index, type, code and message, and counts events', () => {
    const registry = replay(OPERATORS);
    const outcome = applyBlock(
      registry,
      block(
        9,
        operatorFeeDeclared(CAROL, 1, '10'),
        operatorRemoved(99),
        'junk',
        { type: 42 },
        { type: 'Mystery', owner: ALICE },
        operatorFeeExecuted(CAROL, 1, '10'),
      ),
    );
    expect(outcome.blockNumber).toBe(9);
    expect(outcome.eventsApplied).toBe(2);
    expect(outcome.eventsRejected).toBe(4);
    expect(outcome.rejections).toEqual([
      { blockNumber: 9, index: 1, type: 'OperatorRemoved', code: 'OperatorDoesNotExist', message: 'operator 99 does not exist' },
      { blockNumber: 9, index: 2, type: null, code: 'InvalidEvent', message: 'an event must be an object, got "junk"' },
      { blockNumber: 9, index: 3, type: 42, code: 'InvalidEvent', message: 'field "type" must be a string, got 42' },
      { blockNumber: 9, index: 4, type: 'Mystery', code: 'UnknownEventType', message: 'unknown event type "Mystery"' },
    ]);
  });

  it('records null as the type of an event without one', () => {
    const outcome = applyBlock(new InMemoryRegistry(), block(1, { operatorId: 1 }, [1], null));
    expect(outcome.rejections.map((r) => [r.index, r.type, r.code])).toEqual([
      [0, null, 'InvalidEvent'],
      [1, null, 'InvalidEvent'],
      [2, null, 'InvalidEvent'],
    ]);
  });

  it('returns only the entities the block changed', () => {
    const registry = replay(OPERATORS);
    const outcome = applyBlock(registry, block(2, operatorFeeDeclared(CAROL, 3, '5')));
    expect([...outcome.changes.operators.keys()]).toEqual([3]);
    expect(outcome.changes.operators.get(3)).toMatchObject({ declaredFee: '5', lastUpdateBlock: 2 });
    expect(outcome.changes.validators.size + outcome.changes.clusters.size + outcome.changes.accounts.size).toBe(0);
  });

  it('changes nothing for an empty block', () => {
    const outcome = applyBlock(replay(OPERATORS), block(2));
    expect(outcome).toMatchObject({ eventsApplied: 0, eventsRejected: 0, rejections: [] });
    expect(outcome.changes.operators.size).toBe(0);
  });

  it('gives InvalidEvent with its message for an event marked undecodable', () => {
    const registry = replay(block(3, { type: 'ValidatorAdded', owner: ALICE, [UNDECODABLE]: 'data too short for ValidatorAdded' }));
    expect(registry.rejections).toEqual([
      { blockNumber: 3, index: 0, type: 'ValidatorAdded', code: 'InvalidEvent', message: 'data too short for ValidatorAdded' },
    ]);
    expect(stateOf(registry).accounts).toEqual([]);
  });
});

describe('applyBlock: purity', () => {
  function deepFreeze<T>(value: T): T {
    if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
      Object.freeze(value);
      for (const inner of Object.values(value)) deepFreeze(inner);
    }
    return value;
  }

  /** A view whose every answer is frozen, so that writing into one throws. */
  const frozenView = (registry: InMemoryRegistry): RegistryView => ({
    getOperator: (id) => deepFreeze(registry.getOperator(id)),
    findOperatorByPublicKey: (key) => registry.findOperatorByPublicKey(key),
    getValidator: (key) => deepFreeze(registry.getValidator(key)),
    getCluster: (id) => deepFreeze(registry.getCluster(id)),
    getAccount: (owner) => deepFreeze(registry.getAccount(owner)),
    listClusterValidators: (id) => deepFreeze(registry.listClusterValidators(id)),
  });

  const busyBlock = block(
    5,
    operatorFeeDeclared(CAROL, 1, '7'),
    operatorFeeExecuted(CAROL, 2, '9'),
    operatorPrivacyStatusUpdated([1, 2, 3, 4], true),
    validatorAdded(ALICE, IDS, V3, { cluster: snapshot('1') }),
    validatorExited(ALICE, IDS, V2),
    validatorRemoved(ALICE, IDS, V1),
    clusterLiquidated(ALICE, IDS),
    clusterReactivated(ALICE, IDS),
    clusterDeposited(ALICE, IDS, '3', { cluster: snapshot('4') }),
    clusterWithdrawn(ALICE, IDS, '1', { cluster: snapshot('3') }),
    feeRecipientAddressUpdated(ALICE, BOB),
    operatorRemoved(4),
    operatorAdded(20, BOB, 'operator-key-4'),
    validatorAdded(BOB, [5, 6, 7, 8], V1),
  );

  const before = () => replay(OPERATORS, block(2, validatorAdded(ALICE, IDS, V1), validatorAdded(ALICE, IDS, V2)));

  it('never writes into the entities of the view', () => {
    const registry = before();
    const outcome = applyBlock(frozenView(registry), busyBlock);
    expect(outcome.rejections).toEqual([]);
    expect(outcome.eventsApplied).toBe(14);
  });

  it('leaves the view exactly as it was and gives the same outcome twice', () => {
    const registry = before();
    const state = JSON.stringify(registry.collections(true));
    const first = applyBlock(registry, busyBlock);
    expect(JSON.stringify(registry.collections(true))).toBe(state);
    expect(registry.findOperatorByPublicKey('operator-key-4')).toBe(4);
    expect(registry.listClusterValidators(ALICE_CLUSTER)).toEqual([V1, V2]);
    const second = applyBlock(registry, busyBlock);
    expect(second).toEqual(first);
  });
});

describe('applyBlock: events in one block see each other', () => {
  it('adds operators and a validator on them in the same block', () => {
    const registry = replay(block(1, ...operatorsAdded(CAROL, IDS), validatorAdded(ALICE, IDS, V1)));
    expect(registry.rejections).toEqual([]);
    expect(validatorIn(registry, V1).status).toBe('active');
    expect(operatorCounts(registry, IDS)).toEqual([[1, 1], [1, 1], [1, 1], [1, 1]]);
  });

  it('refuses a second OperatorAdded with the same id in the same block', () => {
    const registry = replay(block(1, operatorAdded(1, CAROL, 'k1'), operatorAdded(1, BOB, 'k2')));
    expect(onlyRejection(registry)).toMatchObject({ index: 1, code: 'OperatorAlreadyExists' });
    expect(operatorIn(registry, 1).owner).toBe(CAROL);
  });

  it('reuses a key freed by a removal earlier in the same block', () => {
    const registry = replay(block(1, operatorAdded(1, CAROL, 'k'), operatorRemoved(1), operatorAdded(2, CAROL, 'k')));
    expect(registry.rejections).toEqual([]);
    expect(operatorIn(registry, 2).publicKey).toBe('k');
    expect(registry.findOperatorByPublicKey('k')).toBe(2);
  });

  it('removes, re-adds and liquidates within one block', () => {
    const registry = replay(
      OPERATORS,
      block(
        2,
        validatorAdded(ALICE, IDS, V1),
        validatorAdded(ALICE, IDS, V2),
        validatorRemoved(ALICE, IDS, V1),
        clusterLiquidated(ALICE, IDS),
        validatorAdded(ALICE, IDS, V1),
      ),
    );
    expect(onlyRejection(registry)).toMatchObject({ index: 4, code: 'ClusterIsLiquidated' });
    expect(clusterIn(registry, ALICE_CLUSTER)).toMatchObject({ validatorCount: 1, active: false, lastUpdateBlock: 2 });
    expect(operatorCounts(registry, IDS)).toEqual([[0, 2], [0, 2], [0, 2], [0, 2]]);
    expect(validatorIn(registry, V2).status).toBe('liquidated');
    expect(accountIn(registry, ALICE)).toEqual({ owner: ALICE, feeRecipient: ALICE, nonce: 3, validatorCount: 1 });
  });
});

describe('InvalidEvent and UnknownEventType', () => {
  it('change nothing: no account, no nonce, no entity', () => {
    const registry = replay(
      OPERATORS,
      block(
        2,
        validatorAdded(ALICE, IDS, 'not-a-key'),
        validatorAdded(ALICE, [1, 2, 3, 0], V1),
        { ...validatorAdded(ALICE, IDS, V1), owner: undefined },
        { type: 'ValidatorRegistered', owner: ALICE, operatorIds: IDS, publicKey: V1 },
        clusterDeposited(ALICE, IDS, '-1'),
        feeRecipientAddressUpdated(BOB, 'nobody'),
        operatorAdded(15, BOB, ''),
      ),
    );
    expect(rejectionCodes(registry)).toEqual([
      'InvalidEvent',
      'InvalidEvent',
      'InvalidEvent',
      'UnknownEventType',
      'InvalidEvent',
      'InvalidEvent',
      'InvalidEvent',
    ]);
    expect(stateOf(registry).accounts.map((a) => a.owner)).toEqual([CAROL]);
    expect(stateOf(registry).validators).toEqual([]);
    expect(stateOf(registry).clusters).toEqual([]);
    expect(stateOf(registry).operators).toHaveLength(14);
  });

  it('carries the parser message', () => {
    const registry = replay(block(1, operatorAdded(1, ALICE, 'k', '1.5')));
    expect(onlyRejection(registry)).toEqual({
      blockNumber: 1,
      index: 0,
      type: 'OperatorAdded',
      code: 'InvalidEvent',
      message: 'OperatorAdded: field "fee" must be an amount (a uint256 decimal string), got "1.5"',
    });
  });

  it('refuses a cluster snapshot whose balance is not a safe JSON number', () => {
    const registry = replay(OPERATORS, block(2, validatorAdded(ALICE, IDS, V1, { cluster: snapshot(2 ** 53) })));
    expect(onlyRejection(registry).code).toBe('InvalidEvent');
    expect(stateOf(registry).clusters).toEqual([]);
  });
});

describe('OperatorAdded', () => {
  it('creates the operator with its values canonical', () => {
    const registry = replay(block(4, operatorAdded('7', '0xAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', 'Key+/=', '000250')));
    expect(stateOf(registry).operators).toEqual([
      {
        operatorId: 7,
        owner: ALICE,
        publicKey: 'Key+/=',
        fee: '250',
        declaredFee: null,
        isPrivate: false,
        validatorCount: 0,
        removed: false,
        lastUpdateBlock: 4,
      },
    ]);
    expect(stateOf(registry).accounts).toEqual([{ owner: ALICE, feeRecipient: ALICE, nonce: 0, validatorCount: 0 }]);
  });

  it('keeps a uint256 max fee exact', () => {
    expect(operatorIn(replay(block(1, operatorAdded(1, ALICE, 'k', UINT256_MAX))), 1).fee).toBe(UINT256_MAX);
  });

  it('accepts a fee as a safe JSON number', () => {
    expect(operatorIn(replay(block(1, operatorAdded(1, ALICE, 'k', 1000000))), 1).fee).toBe('1000000');
  });

  it('keeps the operator public key as given (case included)', () => {
    const registry = replay(block(1, operatorAdded(1, ALICE, 'AbC'), operatorAdded(2, ALICE, 'abc')));
    expect(registry.rejections).toEqual([]);
    expect(stateOf(registry).operators.map((o) => o.publicKey)).toEqual(['AbC', 'abc']);
  });

  it('refuses an id in use with OperatorAlreadyExists, and still creates the caller account', () => {
    const registry = replay(block(1, operatorAdded(1, CAROL, 'k1')), block(2, operatorAdded(1, BOB, 'k2')));
    expect(onlyRejection(registry)).toEqual({
      blockNumber: 2,
      index: 0,
      type: 'OperatorAdded',
      code: 'OperatorAlreadyExists',
      message: 'operator 1 already exists (ids are never reused)',
    });
    expect(operatorIn(registry, 1)).toMatchObject({ owner: CAROL, publicKey: 'k1', lastUpdateBlock: 1 });
    expect(accountOwners(registry)).toEqual([BOB, CAROL]);
  });

  it('never reuses the id of a removed operator', () => {
    const registry = replay(block(1, operatorAdded(1, CAROL, 'k1')), block(2, operatorRemoved(1)), block(3, operatorAdded(1, CAROL, 'k9')));
    expect(onlyRejection(registry).code).toBe('OperatorAlreadyExists');
    expect(operatorIn(registry, 1)).toMatchObject({ removed: true, publicKey: 'k1', lastUpdateBlock: 2 });
  });

  it('refuses the key of a live operator with OperatorPublicKeyAlreadyExists', () => {
    const registry = replay(block(1, operatorAdded(1, CAROL, 'shared')), block(2, operatorAdded(2, BOB, 'shared')));
    expect(onlyRejection(registry)).toMatchObject({
      code: 'OperatorPublicKeyAlreadyExists',
      message: 'operator 1 already has this public key',
    });
    expect(stateOf(registry).operators.map((o) => o.operatorId)).toEqual([1]);
    expect(accountOwners(registry)).toEqual([BOB, CAROL]);
  });

  it('checks the id before the key', () => {
    const registry = replay(block(1, operatorAdded(1, CAROL, 'shared')), block(2, operatorAdded(1, CAROL, 'shared')));
    expect(onlyRejection(registry).code).toBe('OperatorAlreadyExists');
  });

  it("lets a removed operator's key be used again", () => {
    const registry = replay(
      block(1, operatorAdded(1, CAROL, 'shared')),
      block(2, operatorRemoved(1)),
      block(3, operatorAdded(2, BOB, 'shared')),
      block(4, operatorAdded(3, BOB, 'shared')),
    );
    expect(registry.rejections.map((r) => [r.blockNumber, r.code, r.message])).toEqual([
      [4, 'OperatorPublicKeyAlreadyExists', 'operator 2 already has this public key'],
    ]);
    expect(operatorIn(registry, 2)).toMatchObject({ publicKey: 'shared', owner: BOB, removed: false, lastUpdateBlock: 3 });
  });
});

describe('OperatorRemoved', () => {
  it('marks the operator removed with fee "0" and no validators, keeping the rest', () => {
    const registry = replay(
      OPERATORS,
      block(2, operatorFeeDeclared(CAROL, 1, '30'), operatorPrivacyStatusUpdated([1], true), validatorAdded(ALICE, IDS, V1)),
      block(3, operatorRemoved(1)),
    );
    expect(operatorIn(registry, 1)).toEqual({
      operatorId: 1,
      owner: CAROL,
      publicKey: 'operator-key-1',
      fee: '0',
      declaredFee: '30',
      isPrivate: true,
      validatorCount: 0,
      removed: true,
      lastUpdateBlock: 3,
    });
    // The validator, its cluster and the other operators are not changed by the removal.
    expect(validatorIn(registry, V1)).toMatchObject({ status: 'active', lastUpdateBlock: 2 });
    expect(clusterIn(registry, ALICE_CLUSTER)).toMatchObject({ validatorCount: 1, lastUpdateBlock: 2 });
    expect(operatorCounts(registry, [2, 3, 4])).toEqual([[1, 2], [1, 2], [1, 2]]);
  });

  it('leaves the operator out of the default answer only', () => {
    const registry = replay(OPERATORS, block(2, operatorRemoved(2)));
    expect(registry.collections().operators.map((o) => o.operatorId)).toEqual(range(1, 14).filter((id) => id !== 2));
    expect(registry.collections(true).operators).toHaveLength(14);
  });

  it('refuses an unknown operator with OperatorDoesNotExist', () => {
    const registry = replay(OPERATORS, block(2, operatorRemoved(15)));
    expect(onlyRejection(registry)).toMatchObject({ code: 'OperatorDoesNotExist', message: 'operator 15 does not exist' });
  });

  it('refuses a removed operator with OperatorDoesNotExist, and it never changes again', () => {
    const registry = replay(OPERATORS, block(2, operatorRemoved(2)), block(3, operatorRemoved(2)));
    expect(onlyRejection(registry)).toMatchObject({ blockNumber: 3, code: 'OperatorDoesNotExist', message: 'operator 2 was removed' });
    expect(operatorIn(registry, 2).lastUpdateBlock).toBe(2);
  });

  it('creates no account (the event names no owner)', () => {
    expect(stateOf(replay(block(1, operatorRemoved(1)))).accounts).toEqual([]);
  });
});

describe('fee events and accounts', () => {
  it.each([
    ['OperatorFeeDeclared', operatorFeeDeclared(BOB, 99, '1')],
    ['OperatorFeeDeclarationCancelled', operatorFeeDeclarationCancelled(BOB, 99)],
    ['OperatorFeeExecuted', operatorFeeExecuted(BOB, 99, '1')],
  ])('%s creates the caller account even for an unknown operator', (_type, event) => {
    const registry = replay(block(1, event));
    expect(onlyRejection(registry).code).toBe('OperatorDoesNotExist');
    expect(stateOf(registry).accounts).toEqual([{ owner: BOB, feeRecipient: BOB, nonce: 0, validatorCount: 0 }]);
  });
});

describe('OperatorFeeDeclared', () => {
  it('sets declaredFee and leaves fee', () => {
    const registry = replay(OPERATORS, block(2, operatorFeeDeclared(CAROL, '3', '0500')));
    expect(operatorIn(registry, 3)).toMatchObject({ fee: '0', declaredFee: '500', lastUpdateBlock: 2 });
    expect(operatorIn(registry, 4).lastUpdateBlock).toBe(1);
  });

  it('replaces an earlier declaration', () => {
    const registry = replay(OPERATORS, block(2, operatorFeeDeclared(CAROL, 3, '5')), block(3, operatorFeeDeclared(CAROL, 3, '6')));
    expect(operatorIn(registry, 3)).toMatchObject({ declaredFee: '6', lastUpdateBlock: 3 });
  });

  it('refuses an unknown or removed operator with OperatorDoesNotExist', () => {
    const registry = replay(OPERATORS, block(2, operatorRemoved(3)), block(3, operatorFeeDeclared(CAROL, 3, '5'), operatorFeeDeclared(CAROL, 30, '5')));
    expect(registry.rejections.map((r) => [r.code, r.message])).toEqual([
      ['OperatorDoesNotExist', 'operator 3 was removed'],
      ['OperatorDoesNotExist', 'operator 30 does not exist'],
    ]);
    expect(operatorIn(registry, 3)).toMatchObject({ declaredFee: null, lastUpdateBlock: 2 });
  });

  it('refuses another caller with CallerNotOwner, creating its account', () => {
    const registry = replay(OPERATORS, block(2, operatorFeeDeclared(BOB, 3, '5')));
    expect(onlyRejection(registry)).toMatchObject({
      code: 'CallerNotOwner',
      message: `operator 3 is owned by ${CAROL}, not ${BOB}`,
    });
    expect(operatorIn(registry, 3)).toMatchObject({ declaredFee: null, lastUpdateBlock: 1 });
    expect(accountOwners(registry)).toEqual([BOB, CAROL]);
  });

  it('checks existence before ownership', () => {
    const registry = replay(OPERATORS, block(2, operatorRemoved(3)), block(3, operatorFeeDeclared(BOB, 3, '5')));
    expect(onlyRejection(registry).code).toBe('OperatorDoesNotExist');
  });

  it('compares the owner case-insensitively (addresses are lowercased)', () => {
    const registry = replay(OPERATORS, block(2, operatorFeeDeclared(upper(CAROL), 3, '5')));
    expect(registry.rejections).toEqual([]);
    expect(operatorIn(registry, 3).declaredFee).toBe('5');
  });
});

describe('OperatorFeeDeclarationCancelled', () => {
  it('clears the declared fee', () => {
    const registry = replay(OPERATORS, block(2, operatorFeeDeclared(CAROL, 3, '5')), block(3, operatorFeeDeclarationCancelled(CAROL, 3)));
    expect(operatorIn(registry, 3)).toMatchObject({ fee: '0', declaredFee: null, lastUpdateBlock: 3 });
  });

  it('refuses without a declaration with NoFeeDeclared', () => {
    const registry = replay(OPERATORS, block(2, operatorFeeDeclarationCancelled(CAROL, 3)));
    expect(onlyRejection(registry)).toMatchObject({ code: 'NoFeeDeclared', message: 'operator 3 has no declared fee to cancel' });
    expect(operatorIn(registry, 3).lastUpdateBlock).toBe(1);
  });

  it('refuses after the declaration was executed or cancelled', () => {
    const registry = replay(
      OPERATORS,
      block(2, operatorFeeDeclared(CAROL, 3, '5'), operatorFeeExecuted(CAROL, 3, '5'), operatorFeeDeclarationCancelled(CAROL, 3)),
      block(3, operatorFeeDeclared(CAROL, 4, '5'), operatorFeeDeclarationCancelled(CAROL, 4), operatorFeeDeclarationCancelled(CAROL, 4)),
    );
    expect(registry.rejections.map((r) => [r.blockNumber, r.index, r.code])).toEqual([
      [2, 2, 'NoFeeDeclared'],
      [3, 2, 'NoFeeDeclared'],
    ]);
  });

  it('refuses an unknown or removed operator with OperatorDoesNotExist', () => {
    const registry = replay(OPERATORS, block(2, operatorRemoved(3)), block(3, operatorFeeDeclarationCancelled(CAROL, 3), operatorFeeDeclarationCancelled(CAROL, 99)));
    expect(rejectionCodes(registry)).toEqual(['OperatorDoesNotExist', 'OperatorDoesNotExist']);
  });

  it('checks ownership before the declaration', () => {
    const registry = replay(OPERATORS, block(2, operatorFeeDeclarationCancelled(BOB, 3)));
    expect(onlyRejection(registry).code).toBe('CallerNotOwner');
    expect(accountOwners(registry)).toEqual([BOB, CAROL]);
  });
});

describe('OperatorFeeExecuted', () => {
  it('sets the fee and clears the declaration', () => {
    const registry = replay(OPERATORS, block(2, operatorFeeDeclared(CAROL, 3, '5')), block(3, operatorFeeExecuted(CAROL, 3, '5')));
    expect(operatorIn(registry, 3)).toMatchObject({ fee: '5', declaredFee: null, lastUpdateBlock: 3 });
  });

  it('needs no declaration', () => {
    const registry = replay(OPERATORS, block(2, operatorFeeExecuted(CAROL, 3, UINT256_MAX)));
    expect(registry.rejections).toEqual([]);
    expect(operatorIn(registry, 3)).toMatchObject({ fee: UINT256_MAX, declaredFee: null, lastUpdateBlock: 2 });
  });

  it('refuses an unknown or removed operator with OperatorDoesNotExist, and another caller with CallerNotOwner', () => {
    const registry = replay(
      OPERATORS,
      block(2, operatorRemoved(3)),
      block(3, operatorFeeExecuted(CAROL, 3, '1'), operatorFeeExecuted(CAROL, 15, '1'), operatorFeeExecuted(ALICE, 4, '1')),
    );
    expect(rejectionCodes(registry)).toEqual(['OperatorDoesNotExist', 'OperatorDoesNotExist', 'CallerNotOwner']);
    expect(operatorIn(registry, 4)).toMatchObject({ fee: '0', lastUpdateBlock: 1 });
  });
});

describe('OperatorPrivacyStatusUpdated', () => {
  it('sets isPrivate on each listed operator only', () => {
    const registry = replay(OPERATORS, block(2, operatorPrivacyStatusUpdated(['2', 5], true)));
    expect(stateOf(registry).operators.filter((o) => o.isPrivate).map((o) => o.operatorId)).toEqual([2, 5]);
    expect(operatorIn(registry, 2).lastUpdateBlock).toBe(2);
    expect(operatorIn(registry, 3).lastUpdateBlock).toBe(1);
  });

  it('sets it back to public', () => {
    const registry = replay(OPERATORS, block(2, operatorPrivacyStatusUpdated([2], true)), block(3, operatorPrivacyStatusUpdated([2], false)));
    expect(operatorIn(registry, 2)).toMatchObject({ isPrivate: false, lastUpdateBlock: 3 });
  });

  it('refuses the whole event if any operator is unknown or removed', () => {
    const registry = replay(
      OPERATORS,
      block(2, operatorRemoved(4)),
      block(3, operatorPrivacyStatusUpdated([1, 2, 99], true), operatorPrivacyStatusUpdated([1, 4], true)),
    );
    expect(registry.rejections.map((r) => [r.code, r.message])).toEqual([
      ['OperatorDoesNotExist', 'operator 99 does not exist'],
      ['OperatorDoesNotExist', 'operator 4 was removed'],
    ]);
    expect(stateOf(registry).operators.some((o) => o.isPrivate)).toBe(false);
    expect(operatorIn(registry, 1).lastUpdateBlock).toBe(1);
  });

  it('accepts an empty list without changing anything', () => {
    const outcome = applyBlock(replay(OPERATORS), block(2, operatorPrivacyStatusUpdated([], true)));
    expect(outcome.rejections).toEqual([]);
    expect(outcome.changes.operators.size).toBe(0);
  });
});

describe('ValidatorAdded', () => {
  it('adds an active validator, creates its cluster and counts it everywhere', () => {
    const registry = replay(OPERATORS, block(2, validatorAdded(ALICE, IDS, V1)));
    expect(stateOf(registry).validators).toEqual([
      { publicKey: V1, owner: ALICE, operatorIds: IDS, clusterId: ALICE_CLUSTER, status: 'active', removed: false, lastUpdateBlock: 2 },
    ]);
    expect(stateOf(registry).clusters).toEqual([
      { clusterId: ALICE_CLUSTER, owner: ALICE, operatorIds: IDS, validatorCount: 1, active: true, balance: null, lastUpdateBlock: 2 },
    ]);
    expect(operatorCounts(registry, [1, 2, 3, 4, 5])).toEqual([[1, 2], [1, 2], [1, 2], [1, 2], [0, 1]]);
    expect(accountIn(registry, ALICE)).toEqual({ owner: ALICE, feeRecipient: ALICE, nonce: 1, validatorCount: 1 });
  });

  it('adds to an existing cluster', () => {
    const registry = replay(OPERATORS, block(2, validatorAdded(ALICE, IDS, V1)), block(3, validatorAdded(ALICE, IDS, V2)));
    expect(clusterIn(registry, ALICE_CLUSTER)).toMatchObject({ validatorCount: 2, lastUpdateBlock: 3 });
    expect(operatorCounts(registry, IDS)).toEqual([[2, 3], [2, 3], [2, 3], [2, 3]]);
    expect(validatorIn(registry, V1).lastUpdateBlock).toBe(2);
    expect(accountIn(registry, ALICE)).toMatchObject({ nonce: 2, validatorCount: 2 });
  });

  it('gives each owner its own cluster on the same operators', () => {
    const registry = replay(OPERATORS, block(2, validatorAdded(ALICE, IDS, V1), validatorAdded(BOB, IDS, V2)));
    expect(stateOf(registry).clusters.map((c) => [c.clusterId, c.validatorCount])).toEqual([
      [ALICE_CLUSTER, 1],
      [`${BOB}-1-2-3-4`, 1],
    ]);
    expect(operatorIn(registry, 1).validatorCount).toBe(2);
  });

  it('lowercases the owner and the key, and reads ids given as decimal strings', () => {
    const registry = replay(OPERATORS, block(2, validatorAdded(upper(ALICE), ['1', '2', '03', 4], upper(VX))));
    expect(registry.rejections).toEqual([]);
    expect(stateOf(registry).validators.map((v) => v.publicKey)).toEqual([VX]);
    expect(validatorIn(registry, VX)).toMatchObject({ owner: ALICE, operatorIds: [1, 2, 3, 4], clusterId: ALICE_CLUSTER });
    expect(accountOwners(registry)).toEqual([ALICE, CAROL]);
  });

  it.each([[[1, 2, 3, 4]], [range(1, 7)], [range(1, 10)], [range(1, 13)], [[2, 5, 9, 14]]])('accepts the committee %p', (ids) => {
    const registry = replay(OPERATORS, block(2, validatorAdded(ALICE, ids, V1)));
    expect(registry.rejections).toEqual([]);
    expect(clusterIn(registry, clusterIdOf(ALICE, ids)).validatorCount).toBe(1);
  });

  it.each([[[1, 2, 3]], [range(1, 5)], [range(1, 14)], [[]]])('refuses %p with InvalidOperatorIdsLength', (ids) => {
    const registry = replay(OPERATORS, block(2, validatorAdded(ALICE, ids, V1)));
    expect(onlyRejection(registry)).toMatchObject({
      code: 'InvalidOperatorIdsLength',
      message: `a committee has 4, 7, 10 or 13 operators, not ${ids.length}`,
    });
    expect(stateOf(registry).validators).toEqual([]);
    expect(stateOf(registry).clusters).toEqual([]);
  });

  it.each([[[4, 3, 2, 1]], [[1, 2, 2, 3]], [[1, 3, 2, 4]]])('refuses %p with UnsortedOperatorsList', (ids) => {
    const registry = replay(OPERATORS, block(2, validatorAdded(ALICE, ids, V1)));
    expect(onlyRejection(registry)).toMatchObject({
      code: 'UnsortedOperatorsList',
      message: `operator ids must be strictly ascending, got [${ids.join(', ')}]`,
    });
  });

  it('checks the length before the order (3 unsorted ids)', () => {
    expect(onlyRejection(replay(OPERATORS, block(2, validatorAdded(ALICE, [3, 2, 1], V1)))).code).toBe('InvalidOperatorIdsLength');
  });

  it('checks the order before the operators (unsorted with an unknown id)', () => {
    expect(onlyRejection(replay(OPERATORS, block(2, validatorAdded(ALICE, [4, 3, 2, 99], V1)))).code).toBe('UnsortedOperatorsList');
  });

  it('refuses unknown and removed operators with OperatorDoesNotExist', () => {
    const registry = replay(
      OPERATORS,
      block(2, operatorRemoved(3)),
      block(3, validatorAdded(ALICE, [1, 2, 3, 4], V1), validatorAdded(ALICE, [1, 2, 4, 15], V1)),
    );
    expect(registry.rejections.map((r) => [r.code, r.message])).toEqual([
      ['OperatorDoesNotExist', 'operator 3 was removed'],
      ['OperatorDoesNotExist', 'operator 15 does not exist'],
    ]);
    expect(operatorCounts(registry, [1, 2, 4])).toEqual([[0, 1], [0, 1], [0, 1]]);
  });

  it('refuses a key registered by another owner with ValidatorAlreadyExists', () => {
    const registry = replay(OPERATORS, block(2, validatorAdded(ALICE, IDS, V1)), block(3, validatorAdded(BOB, OTHER_IDS, V1)));
    expect(onlyRejection(registry)).toMatchObject({
      code: 'ValidatorAlreadyExists',
      message: `validator ${V1} is already registered by ${ALICE}`,
    });
    expect(validatorIn(registry, V1)).toMatchObject({ owner: ALICE, lastUpdateBlock: 2 });
    expect(stateOf(registry).clusters).toHaveLength(1);
    expect(operatorCounts(registry, OTHER_IDS)).toEqual([[0, 1], [0, 1], [0, 1], [0, 1]]);
  });

  it('refuses the same key again from the same owner, and an exited key', () => {
    const registry = replay(
      OPERATORS,
      block(2, validatorAdded(ALICE, IDS, V1), validatorAdded(ALICE, IDS, V1)),
      block(3, validatorExited(ALICE, IDS, V1)),
      block(4, validatorAdded(ALICE, IDS, V1)),
    );
    expect(registry.rejections.map((r) => [r.blockNumber, r.code])).toEqual([
      [2, 'ValidatorAlreadyExists'],
      [4, 'ValidatorAlreadyExists'],
    ]);
    expect(clusterIn(registry, ALICE_CLUSTER).validatorCount).toBe(1);
  });

  it('checks the operators before the key', () => {
    const registry = replay(OPERATORS, block(2, validatorAdded(ALICE, IDS, V1)), block(3, validatorAdded(BOB, [1, 2, 3, 20], V1)));
    expect(onlyRejection(registry).code).toBe('OperatorDoesNotExist');
  });

  it('refuses a liquidated cluster with ClusterIsLiquidated', () => {
    const registry = replay(
      OPERATORS,
      block(2, validatorAdded(ALICE, IDS, V1)),
      block(3, clusterLiquidated(ALICE, IDS)),
      block(4, validatorAdded(ALICE, IDS, V2, { cluster: snapshot('9') })),
    );
    expect(onlyRejection(registry)).toMatchObject({ blockNumber: 4, code: 'ClusterIsLiquidated', message: `cluster ${ALICE_CLUSTER} is liquidated` });
    expect(clusterIn(registry, ALICE_CLUSTER)).toMatchObject({ validatorCount: 1, balance: null, lastUpdateBlock: 3 });
    // The same operators in another owner's cluster are fine.
    const other = replay(OPERATORS, block(2, validatorAdded(ALICE, IDS, V1)), block(3, clusterLiquidated(ALICE, IDS)), block(4, validatorAdded(BOB, IDS, V2)));
    expect(other.rejections).toEqual([]);
  });

  it('checks the key before the cluster', () => {
    const registry = replay(OPERATORS, block(2, validatorAdded(ALICE, IDS, V1)), block(3, clusterLiquidated(ALICE, IDS)), block(4, validatorAdded(ALICE, IDS, V1)));
    expect(onlyRejection(registry).code).toBe('ValidatorAlreadyExists');
  });

  describe('nonce', () => {
    it('increments on every accepted and rejected ValidatorAdded of the owner', () => {
      const registry = replay(
        OPERATORS,
        block(2, operatorRemoved(14)),
        block(
          3,
          validatorAdded(ALICE, IDS, V1), // accepted
          validatorAdded(ALICE, [1, 2, 3], V2), // InvalidOperatorIdsLength
          validatorAdded(ALICE, [2, 1, 3, 4], V2), // UnsortedOperatorsList
          validatorAdded(ALICE, [1, 2, 3, 14], V2), // OperatorDoesNotExist
          validatorAdded(ALICE, IDS, V1), // ValidatorAlreadyExists
        ),
        block(4, clusterLiquidated(ALICE, IDS), validatorAdded(ALICE, IDS, V2)), // ClusterIsLiquidated
      );
      expect(rejectionCodes(registry)).toEqual([
        'InvalidOperatorIdsLength',
        'UnsortedOperatorsList',
        'OperatorDoesNotExist',
        'ValidatorAlreadyExists',
        'ClusterIsLiquidated',
      ]);
      expect(accountIn(registry, ALICE)).toEqual({ owner: ALICE, feeRecipient: ALICE, nonce: 6, validatorCount: 1 });
    });

    it('does not increment on an InvalidEvent', () => {
      const registry = replay(OPERATORS, block(2, validatorAdded(ALICE, IDS, V1), validatorAdded(ALICE, IDS, '0x00'), validatorAdded(ALICE, IDS, V2, { cluster: 5 })));
      expect(rejectionCodes(registry)).toEqual(['InvalidEvent', 'InvalidEvent']);
      expect(accountIn(registry, ALICE).nonce).toBe(1);
    });

    it('creates the account from a rejected ValidatorAdded', () => {
      const registry = replay(block(1, validatorAdded(BOB, IDS, V1)));
      expect(onlyRejection(registry).code).toBe('OperatorDoesNotExist');
      expect(stateOf(registry).accounts).toEqual([{ owner: BOB, feeRecipient: BOB, nonce: 1, validatorCount: 0 }]);
    });

    it('does not change on other validator and cluster events', () => {
      const registry = replay(
        OPERATORS,
        block(2, validatorAdded(ALICE, IDS, V1)),
        block(3, validatorExited(ALICE, IDS, V1), clusterLiquidated(ALICE, IDS), clusterReactivated(ALICE, IDS), validatorRemoved(ALICE, IDS, V1)),
        block(4, clusterDeposited(ALICE, IDS), clusterWithdrawn(ALICE, IDS), feeRecipientAddressUpdated(ALICE, BOB)),
      );
      expect(registry.rejections).toEqual([]);
      expect(accountIn(registry, ALICE)).toEqual({ owner: ALICE, feeRecipient: BOB, nonce: 1, validatorCount: 0 });
    });
  });

  describe('cluster balance', () => {
    it('is null until an accepted event carries a snapshot', () => {
      const registry = replay(OPERATORS, block(2, validatorAdded(ALICE, IDS, V1)));
      expect(clusterIn(registry, ALICE_CLUSTER).balance).toBeNull();
    });

    it('comes from the snapshot, canonical, and stays when a later event has none', () => {
      const registry = replay(
        OPERATORS,
        block(2, validatorAdded(ALICE, IDS, V1, { cluster: snapshot('000123') })),
        block(3, validatorAdded(ALICE, IDS, V2)),
      );
      expect(clusterIn(registry, ALICE_CLUSTER)).toMatchObject({ balance: '123', lastUpdateBlock: 3 });
    });

    it('round-trips uint256 max and accepts a safe JSON number', () => {
      const registry = replay(OPERATORS, block(2, validatorAdded(ALICE, IDS, V1, { cluster: snapshot(UINT256_MAX) })));
      expect(clusterIn(registry, ALICE_CLUSTER).balance).toBe(UINT256_MAX);
      const numeric = replay(OPERATORS, block(2, validatorAdded(ALICE, IDS, V1, { cluster: snapshot(4000) })));
      expect(clusterIn(numeric, ALICE_CLUSTER).balance).toBe('4000');
    });

    it('is not taken from a rejected event', () => {
      const registry = replay(
        OPERATORS,
        block(2, validatorAdded(ALICE, IDS, V1, { cluster: snapshot('10') })),
        block(3, validatorAdded(ALICE, IDS, V1, { cluster: snapshot('20') })),
      );
      expect(onlyRejection(registry).code).toBe('ValidatorAlreadyExists');
      expect(clusterIn(registry, ALICE_CLUSTER)).toMatchObject({ balance: '10', lastUpdateBlock: 2 });
    });

    it('takes nothing else from the snapshot', () => {
      const registry = replay(
        OPERATORS,
        block(2, validatorAdded(ALICE, IDS, V1, { cluster: { balance: '5', validatorCount: 99, active: false } })),
      );
      expect(clusterIn(registry, ALICE_CLUSTER)).toMatchObject({ validatorCount: 1, active: true, balance: '5' });
    });
  });

  describe('re-registration', () => {
    it('lets another owner add a removed key on other operators', () => {
      const registry = replay(
        OPERATORS,
        block(2, validatorAdded(ALICE, IDS, V1)),
        block(3, validatorRemoved(ALICE, IDS, V1)),
        block(4, validatorAdded(BOB, OTHER_IDS, V1)),
      );
      expect(registry.rejections).toEqual([]);
      expect(registry.collections(true).validators).toEqual([
        {
          publicKey: V1,
          owner: BOB,
          operatorIds: OTHER_IDS,
          clusterId: `${BOB}-5-6-7-8`,
          status: 'active',
          removed: false,
          lastUpdateBlock: 4,
        },
      ]);
      expect(clusterIn(registry, ALICE_CLUSTER)).toMatchObject({ validatorCount: 0, lastUpdateBlock: 3 });
      expect(clusterIn(registry, `${BOB}-5-6-7-8`)).toMatchObject({ validatorCount: 1, lastUpdateBlock: 4 });
      expect(operatorCounts(registry, [1, 5])).toEqual([[0, 3], [1, 4]]);
      expect(accountIn(registry, ALICE)).toMatchObject({ nonce: 1, validatorCount: 0 });
      expect(accountIn(registry, BOB)).toMatchObject({ nonce: 1, validatorCount: 1 });
      expect(registry.listClusterValidators(ALICE_CLUSTER)).toEqual([]);
      expect(registry.listClusterValidators(`${BOB}-5-6-7-8`)).toEqual([V1]);
    });

    it('lets the same owner add it again, even into a liquidated-then-reactivated cluster', () => {
      const registry = replay(
        OPERATORS,
        block(2, validatorAdded(ALICE, IDS, V1)),
        block(3, validatorRemoved(ALICE, IDS, V1), clusterLiquidated(ALICE, IDS), clusterReactivated(ALICE, IDS)),
        block(4, validatorAdded(ALICE, IDS, V1)),
      );
      expect(registry.rejections).toEqual([]);
      expect(validatorIn(registry, V1)).toMatchObject({ status: 'active', removed: false, lastUpdateBlock: 4 });
      expect(clusterIn(registry, ALICE_CLUSTER)).toMatchObject({ validatorCount: 1, active: true });
      expect(accountIn(registry, ALICE)).toMatchObject({ nonce: 2, validatorCount: 1 });
    });
  });
});

describe('ValidatorRemoved', () => {
  const twoValidators = block(2, validatorAdded(ALICE, IDS, V1), validatorAdded(ALICE, IDS, V2));

  it('marks the validator removed and uncounts it', () => {
    const registry = replay(OPERATORS, twoValidators, block(3, validatorRemoved(ALICE, IDS, V1)));
    expect(registry.collections().validators.map((v) => v.publicKey)).toEqual([V2]);
    expect(validatorIn(registry, V1)).toEqual({
      publicKey: V1,
      owner: ALICE,
      operatorIds: IDS,
      clusterId: ALICE_CLUSTER,
      status: 'active',
      removed: true,
      lastUpdateBlock: 3,
    });
    expect(validatorIn(registry, V2).lastUpdateBlock).toBe(2);
    expect(clusterIn(registry, ALICE_CLUSTER)).toMatchObject({ validatorCount: 1, active: true, lastUpdateBlock: 3 });
    expect(operatorCounts(registry, IDS)).toEqual([[1, 3], [1, 3], [1, 3], [1, 3]]);
    expect(accountIn(registry, ALICE)).toEqual({ owner: ALICE, feeRecipient: ALICE, nonce: 2, validatorCount: 1 });
  });

  it('takes the cluster balance from the snapshot', () => {
    const registry = replay(OPERATORS, twoValidators, block(3, validatorRemoved(ALICE, IDS, V1, { cluster: snapshot('77') })));
    expect(clusterIn(registry, ALICE_CLUSTER).balance).toBe('77');
  });

  it('leaves the operators untouched on a liquidated cluster', () => {
    const registry = replay(
      OPERATORS,
      twoValidators,
      block(3, clusterLiquidated(ALICE, IDS)),
      block(4, validatorRemoved(ALICE, IDS, V1)),
    );
    expect(operatorCounts(registry, IDS)).toEqual([[0, 3], [0, 3], [0, 3], [0, 3]]);
    expect(clusterIn(registry, ALICE_CLUSTER)).toMatchObject({ validatorCount: 1, active: false, lastUpdateBlock: 4 });
    expect(validatorIn(registry, V1)).toMatchObject({ status: 'liquidated', removed: true, lastUpdateBlock: 4 });
    expect(accountIn(registry, ALICE).validatorCount).toBe(1);
  });

  it('gives back only the remaining validators on reactivation after a removal', () => {
    const registry = replay(
      OPERATORS,
      twoValidators,
      block(3, clusterLiquidated(ALICE, IDS)),
      block(4, validatorRemoved(ALICE, IDS, V1)),
      block(5, clusterReactivated(ALICE, IDS)),
    );
    expect(operatorCounts(registry, IDS)).toEqual([[1, 5], [1, 5], [1, 5], [1, 5]]);
  });

  it('never touches a removed operator', () => {
    const registry = replay(OPERATORS, twoValidators, block(3, operatorRemoved(2)), block(4, validatorRemoved(ALICE, IDS, V1)));
    expect(operatorCounts(registry, IDS)).toEqual([[1, 4], [0, 3], [1, 4], [1, 4]]);
  });

  it('refuses a key never added with ValidatorDoesNotExist, creating the caller account', () => {
    const registry = replay(OPERATORS, block(2, validatorRemoved(BOB, IDS, V3)));
    expect(onlyRejection(registry)).toMatchObject({ code: 'ValidatorDoesNotExist', message: `validator ${V3} is not registered` });
    expect(accountIn(registry, BOB)).toEqual({ owner: BOB, feeRecipient: BOB, nonce: 0, validatorCount: 0 });
  });

  it('refuses a removed validator with ValidatorDoesNotExist', () => {
    const registry = replay(OPERATORS, twoValidators, block(3, validatorRemoved(ALICE, IDS, V1)), block(4, validatorRemoved(ALICE, IDS, V1)));
    expect(onlyRejection(registry)).toMatchObject({ blockNumber: 4, code: 'ValidatorDoesNotExist' });
    expect(clusterIn(registry, ALICE_CLUSTER).validatorCount).toBe(1);
    expect(accountIn(registry, ALICE).validatorCount).toBe(1);
  });

  it('refuses another owner with IncorrectValidatorOwner', () => {
    const registry = replay(OPERATORS, twoValidators, block(3, validatorRemoved(BOB, IDS, V1)));
    expect(onlyRejection(registry)).toMatchObject({
      code: 'IncorrectValidatorOwner',
      message: `validator ${V1} is owned by ${ALICE}, not ${BOB}`,
    });
    expect(validatorIn(registry, V1).removed).toBe(false);
    expect(accountOwners(registry)).toEqual([ALICE, BOB, CAROL]);
  });

  it.each([[[5, 6, 7, 8]], [[1, 2, 3]], [[4, 3, 2, 1]], [[1, 2, 3, 4, 5, 6, 7]]])('refuses operator ids %p with IncorrectOperatorIds', (ids) => {
    const registry = replay(OPERATORS, twoValidators, block(3, validatorRemoved(ALICE, ids, V1)));
    expect(onlyRejection(registry)).toMatchObject({
      code: 'IncorrectOperatorIds',
      message: `validator ${V1} runs on operators [1, 2, 3, 4], not [${ids.join(', ')}]`,
    });
    expect(validatorIn(registry, V1).removed).toBe(false);
  });

  it('checks the owner before the operator ids', () => {
    const registry = replay(OPERATORS, twoValidators, block(3, validatorRemoved(BOB, OTHER_IDS, V1)));
    expect(onlyRejection(registry).code).toBe('IncorrectValidatorOwner');
  });

  it('finds the key whatever its case', () => {
    const registry = replay(OPERATORS, block(2, validatorAdded(ALICE, IDS, VX)), block(3, validatorRemoved(ALICE, IDS, upper(VX))));
    expect(registry.rejections).toEqual([]);
    expect(validatorIn(registry, VX)).toMatchObject({ removed: true, lastUpdateBlock: 3 });
  });

  it('removes an exited validator, uncounting it', () => {
    const registry = replay(OPERATORS, twoValidators, block(3, validatorExited(ALICE, IDS, V1)), block(4, validatorRemoved(ALICE, IDS, V1)));
    expect(validatorIn(registry, V1)).toMatchObject({ status: 'exited', removed: true, lastUpdateBlock: 4 });
    expect(operatorCounts(registry, IDS)).toEqual([[1, 4], [1, 4], [1, 4], [1, 4]]);
    expect(clusterIn(registry, ALICE_CLUSTER).validatorCount).toBe(1);
  });

  it("lets a removed validator's status follow its cluster later, without touching it", () => {
    const registry = replay(OPERATORS, twoValidators, block(3, validatorRemoved(ALICE, IDS, V1)), block(4, clusterLiquidated(ALICE, IDS)));
    expect(validatorIn(registry, V1)).toMatchObject({ status: 'liquidated', removed: true, lastUpdateBlock: 3 });
    expect(validatorIn(registry, V2)).toMatchObject({ status: 'liquidated', lastUpdateBlock: 4 });
    registry.applyBlock(block(5, clusterReactivated(ALICE, IDS)));
    expect(validatorIn(registry, V1)).toMatchObject({ status: 'active', lastUpdateBlock: 3 });
    expect(validatorIn(registry, V2)).toMatchObject({ status: 'active', lastUpdateBlock: 5 });
  });
});

describe('ValidatorExited', () => {
  const added = block(2, validatorAdded(ALICE, IDS, V1));

  it('marks the validator exited and changes no count', () => {
    const registry = replay(OPERATORS, added, block(3, validatorExited(ALICE, IDS, V1)));
    expect(validatorIn(registry, V1)).toMatchObject({ status: 'exited', removed: false, lastUpdateBlock: 3 });
    expect(registry.collections().validators).toHaveLength(1);
    expect(clusterIn(registry, ALICE_CLUSTER)).toMatchObject({ validatorCount: 1, lastUpdateBlock: 2 });
    expect(operatorCounts(registry, IDS)).toEqual([[1, 2], [1, 2], [1, 2], [1, 2]]);
    expect(accountIn(registry, ALICE)).toMatchObject({ nonce: 1, validatorCount: 1 });
  });

  it('runs the three checks of a removal, in order', () => {
    const registry = replay(
      OPERATORS,
      added,
      block(
        3,
        validatorExited(ALICE, IDS, V2),
        validatorExited(BOB, OTHER_IDS, V1),
        validatorExited(ALICE, OTHER_IDS, V1),
      ),
      block(4, validatorRemoved(ALICE, IDS, V1), validatorExited(ALICE, IDS, V1)),
    );
    expect(rejectionCodes(registry)).toEqual([
      'ValidatorDoesNotExist',
      'IncorrectValidatorOwner',
      'IncorrectOperatorIds',
      'ValidatorDoesNotExist',
    ]);
    expect(validatorIn(registry, V1)).toMatchObject({ status: 'active', removed: true, lastUpdateBlock: 4 });
    expect(accountOwners(registry)).toEqual([ALICE, BOB, CAROL]);
  });

  it('keeps an exited validator out of liquidation and reactivation, with status exited', () => {
    const registry = replay(
      OPERATORS,
      block(2, validatorAdded(ALICE, IDS, V1), validatorAdded(ALICE, IDS, V2)),
      block(3, validatorExited(ALICE, IDS, V1)),
      block(4, clusterLiquidated(ALICE, IDS)),
    );
    expect(validatorIn(registry, V1)).toMatchObject({ status: 'exited', lastUpdateBlock: 3 });
    expect(validatorIn(registry, V2)).toMatchObject({ status: 'liquidated', lastUpdateBlock: 4 });
    // An exited validator still counts on its cluster, so liquidation takes both off.
    expect(operatorCounts(registry, IDS)).toEqual([[0, 4], [0, 4], [0, 4], [0, 4]]);
    registry.applyBlock(block(5, clusterReactivated(ALICE, IDS)));
    expect(validatorIn(registry, V1)).toMatchObject({ status: 'exited', lastUpdateBlock: 3 });
    expect(operatorCounts(registry, IDS)).toEqual([[2, 5], [2, 5], [2, 5], [2, 5]]);
  });

  it('exits a validator of a liquidated cluster', () => {
    const registry = replay(OPERATORS, added, block(3, clusterLiquidated(ALICE, IDS)), block(4, validatorExited(ALICE, IDS, V1)));
    expect(registry.rejections).toEqual([]);
    expect(validatorIn(registry, V1)).toMatchObject({ status: 'exited', lastUpdateBlock: 4 });
  });
});

describe('ClusterLiquidated', () => {
  it('deactivates the cluster, uncounts its validators on the operators and touches its live validators', () => {
    const registry = replay(
      OPERATORS,
      block(2, validatorAdded(ALICE, IDS, V1), validatorAdded(ALICE, IDS, V2), validatorAdded(BOB, IDS, V3)),
      block(3, clusterLiquidated(ALICE, IDS, { cluster: snapshot('0') })),
    );
    expect(clusterIn(registry, ALICE_CLUSTER)).toEqual({
      clusterId: ALICE_CLUSTER,
      owner: ALICE,
      operatorIds: IDS,
      validatorCount: 2,
      active: false,
      balance: '0',
      lastUpdateBlock: 3,
    });
    expect(operatorCounts(registry, IDS)).toEqual([[1, 3], [1, 3], [1, 3], [1, 3]]);
    expect(stateOf(registry).validators.map((v) => [v.publicKey, v.status, v.lastUpdateBlock])).toEqual([
      [V1, 'liquidated', 3],
      [V2, 'liquidated', 3],
      [V3, 'active', 2],
    ]);
    expect(accountIn(registry, ALICE)).toMatchObject({ validatorCount: 2, nonce: 2 });
  });

  it('touches the operators of an empty cluster without changing their counts', () => {
    const registry = replay(OPERATORS, block(2, clusterDeposited(ALICE, IDS)), block(3, clusterLiquidated(ALICE, IDS)));
    expect(operatorCounts(registry, IDS)).toEqual([[0, 3], [0, 3], [0, 3], [0, 3]]);
  });

  it('never touches a removed operator, nor a removed validator', () => {
    const registry = replay(
      OPERATORS,
      block(2, validatorAdded(ALICE, IDS, V1), validatorAdded(ALICE, IDS, V2)),
      block(3, operatorRemoved(4), validatorRemoved(ALICE, IDS, V2)),
      block(4, clusterLiquidated(ALICE, IDS)),
    );
    expect(operatorCounts(registry, IDS)).toEqual([[0, 4], [0, 4], [0, 4], [0, 3]]);
    expect(validatorIn(registry, V2)).toMatchObject({ lastUpdateBlock: 3, status: 'liquidated' });
    expect(validatorIn(registry, V1)).toMatchObject({ lastUpdateBlock: 4, status: 'liquidated' });
  });

  it('refuses a missing cluster with ClusterDoesNotExist, creating the caller account', () => {
    const registry = replay(OPERATORS, block(2, validatorAdded(ALICE, IDS, V1)), block(3, clusterLiquidated(BOB, IDS), clusterLiquidated(ALICE, OTHER_IDS)));
    expect(registry.rejections.map((r) => [r.code, r.message])).toEqual([
      ['ClusterDoesNotExist', `cluster ${BOB}-1-2-3-4 does not exist`],
      ['ClusterDoesNotExist', `cluster ${ALICE}-5-6-7-8 does not exist`],
    ]);
    expect(clusterIn(registry, ALICE_CLUSTER).active).toBe(true);
    expect(accountOwners(registry)).toEqual([ALICE, BOB, CAROL]);
  });

  it('refuses a second liquidation with ClusterIsLiquidated', () => {
    const registry = replay(
      OPERATORS,
      block(2, validatorAdded(ALICE, IDS, V1)),
      block(3, clusterLiquidated(ALICE, IDS)),
      block(4, clusterLiquidated(ALICE, IDS, { cluster: snapshot('5') })),
    );
    expect(onlyRejection(registry)).toMatchObject({ code: 'ClusterIsLiquidated', message: `cluster ${ALICE_CLUSTER} is already liquidated` });
    expect(clusterIn(registry, ALICE_CLUSTER)).toMatchObject({ balance: null, lastUpdateBlock: 3 });
    expect(operatorCounts(registry, IDS)).toEqual([[0, 3], [0, 3], [0, 3], [0, 3]]);
  });
});

describe('ClusterReactivated', () => {
  const liquidated = [
    OPERATORS,
    block(2, validatorAdded(ALICE, IDS, V1), validatorAdded(ALICE, IDS, V2)),
    block(3, clusterLiquidated(ALICE, IDS)),
  ];

  it('reactivates the cluster, counts its validators again and touches them', () => {
    const registry = replay(...liquidated, block(4, clusterReactivated(ALICE, IDS, { cluster: snapshot('1000') })));
    expect(clusterIn(registry, ALICE_CLUSTER)).toMatchObject({ active: true, validatorCount: 2, balance: '1000', lastUpdateBlock: 4 });
    expect(operatorCounts(registry, IDS)).toEqual([[2, 4], [2, 4], [2, 4], [2, 4]]);
    expect(stateOf(registry).validators.map((v) => [v.status, v.lastUpdateBlock])).toEqual([
      ['active', 4],
      ['active', 4],
    ]);
  });

  it('never touches an operator removed while the cluster was liquidated', () => {
    const registry = replay(...liquidated, block(4, operatorRemoved(1)), block(5, clusterReactivated(ALICE, IDS)));
    expect(operatorCounts(registry, IDS)).toEqual([[0, 4], [2, 5], [2, 5], [2, 5]]);
  });

  it('refuses a missing cluster with ClusterDoesNotExist', () => {
    const registry = replay(...liquidated, block(4, clusterReactivated(BOB, IDS)));
    expect(onlyRejection(registry)).toMatchObject({ code: 'ClusterDoesNotExist', message: `cluster ${BOB}-1-2-3-4 does not exist` });
    expect(accountOwners(registry)).toEqual([ALICE, BOB, CAROL]);
  });

  it('refuses an active cluster with ClusterAlreadyEnabled', () => {
    const registry = replay(OPERATORS, block(2, validatorAdded(ALICE, IDS, V1)), block(3, clusterReactivated(ALICE, IDS)));
    expect(onlyRejection(registry)).toMatchObject({ code: 'ClusterAlreadyEnabled', message: `cluster ${ALICE_CLUSTER} is already active` });
    expect(operatorCounts(registry, IDS)).toEqual([[1, 2], [1, 2], [1, 2], [1, 2]]);
  });

  it('refuses a second reactivation', () => {
    const registry = replay(...liquidated, block(4, clusterReactivated(ALICE, IDS)), block(5, clusterReactivated(ALICE, IDS)));
    expect(onlyRejection(registry)).toMatchObject({ blockNumber: 5, code: 'ClusterAlreadyEnabled' });
    expect(operatorIn(registry, 1).validatorCount).toBe(2);
  });
});

describe('ClusterDeposited', () => {
  it('creates an empty active cluster and the owner account', () => {
    const registry = replay(block(2, clusterDeposited(ALICE, IDS, '100')));
    expect(stateOf(registry).clusters).toEqual([
      { clusterId: ALICE_CLUSTER, owner: ALICE, operatorIds: IDS, validatorCount: 0, active: true, balance: null, lastUpdateBlock: 2 },
    ]);
    expect(stateOf(registry).accounts).toEqual([{ owner: ALICE, feeRecipient: ALICE, nonce: 0, validatorCount: 0 }]);
  });

  it('does not need the operators to exist', () => {
    const registry = replay(block(2, clusterDeposited(ALICE, [100, 200, 300, 400], '1', { cluster: snapshot('1') })));
    expect(registry.rejections).toEqual([]);
    expect(stateOf(registry).operators).toEqual([]);
    expect(clusterIn(registry, `${ALICE}-100-200-300-400`).balance).toBe('1');
  });

  it('updates the balance and lastUpdateBlock of an existing cluster only', () => {
    const registry = replay(
      OPERATORS,
      block(2, validatorAdded(ALICE, IDS, V1)),
      block(3, clusterDeposited(ALICE, IDS, '5', { cluster: snapshot('55') })),
      block(4, clusterDeposited(ALICE, IDS, '5')),
    );
    expect(clusterIn(registry, ALICE_CLUSTER)).toMatchObject({ validatorCount: 1, active: true, balance: '55', lastUpdateBlock: 4 });
    expect(operatorCounts(registry, IDS)).toEqual([[1, 2], [1, 2], [1, 2], [1, 2]]);
  });

  it('keeps a liquidated cluster liquidated', () => {
    const registry = replay(OPERATORS, block(2, validatorAdded(ALICE, IDS, V1)), block(3, clusterLiquidated(ALICE, IDS)), block(4, clusterDeposited(ALICE, IDS)));
    expect(clusterIn(registry, ALICE_CLUSTER)).toMatchObject({ active: false, lastUpdateBlock: 4 });
  });

  it('leaves a cluster that validators then join', () => {
    const registry = replay(OPERATORS, block(2, clusterDeposited(ALICE, IDS, '1', { cluster: snapshot('9') })), block(3, validatorAdded(ALICE, IDS, V1)));
    expect(clusterIn(registry, ALICE_CLUSTER)).toMatchObject({ validatorCount: 1, balance: '9', lastUpdateBlock: 3 });
  });

  it('checks the order before the length (its own listed order)', () => {
    const registry = replay(block(2, clusterDeposited(ALICE, [3, 2, 1])));
    expect(onlyRejection(registry)).toMatchObject({ code: 'UnsortedOperatorsList', message: 'operator ids must be strictly ascending, got [3, 2, 1]' });
  });

  it.each([
    [[1, 2, 3], 'InvalidOperatorIdsLength'],
    [range(1, 5), 'InvalidOperatorIdsLength'],
    [[], 'InvalidOperatorIdsLength'],
    [[1, 2, 2, 3], 'UnsortedOperatorsList'],
    [[4, 3, 2, 1], 'UnsortedOperatorsList'],
  ])('refuses %p with %s, still creating the account', (ids, code) => {
    const registry = replay(block(2, clusterDeposited(ALICE, ids)));
    expect(onlyRejection(registry).code).toBe(code);
    expect(stateOf(registry).clusters).toEqual([]);
    expect(accountOwners(registry)).toEqual([ALICE]);
  });
});

describe('ClusterWithdrawn', () => {
  it('changes only the balance and lastUpdateBlock of the cluster', () => {
    const registry = replay(
      OPERATORS,
      block(2, validatorAdded(ALICE, IDS, V1, { cluster: snapshot('10') })),
      block(3, clusterWithdrawn(ALICE, IDS, '4', { cluster: snapshot('6') })),
    );
    expect(clusterIn(registry, ALICE_CLUSTER)).toMatchObject({ validatorCount: 1, active: true, balance: '6', lastUpdateBlock: 3 });
    registry.applyBlock(block(4, clusterWithdrawn(ALICE, IDS, '1')));
    expect(clusterIn(registry, ALICE_CLUSTER)).toMatchObject({ balance: '6', lastUpdateBlock: 4 });
    expect(operatorCounts(registry, IDS)).toEqual([[1, 2], [1, 2], [1, 2], [1, 2]]);
  });

  it('refuses a missing cluster with ClusterDoesNotExist, creating the caller account', () => {
    const registry = replay(block(2, clusterWithdrawn(BOB, IDS, '1', { cluster: snapshot('1') })));
    expect(onlyRejection(registry)).toMatchObject({ code: 'ClusterDoesNotExist', message: `cluster ${BOB}-1-2-3-4 does not exist` });
    expect(stateOf(registry).clusters).toEqual([]);
    expect(accountOwners(registry)).toEqual([BOB]);
  });
});

describe('FeeRecipientAddressUpdated', () => {
  it('creates the account with the recipient, lowercased', () => {
    const registry = replay(block(2, feeRecipientAddressUpdated(ALICE, address('D'))));
    expect(stateOf(registry).accounts).toEqual([{ owner: ALICE, feeRecipient: address('d'), nonce: 0, validatorCount: 0 }]);
  });

  it('updates an existing account, keeping nonce and count', () => {
    const registry = replay(OPERATORS, block(2, validatorAdded(ALICE, IDS, V1)), block(3, feeRecipientAddressUpdated(ALICE, BOB)));
    expect(accountIn(registry, ALICE)).toEqual({ owner: ALICE, feeRecipient: BOB, nonce: 1, validatorCount: 1 });
    expect(accountOwners(registry)).toEqual([ALICE, CAROL]);
  });

  it('is only refused as InvalidEvent', () => {
    const registry = replay(block(2, feeRecipientAddressUpdated(ALICE, '0x12')));
    expect(onlyRejection(registry).code).toBe('InvalidEvent');
    expect(stateOf(registry).accounts).toEqual([]);
  });
});

describe('accounts', () => {
  it('exist from the first event naming them as owner, accepted or rejected', () => {
    const owners = range(1, 10).map((n) => address(n.toString(16)));
    const registry = replay(
      block(
        1,
        operatorAdded(1, owners[0], 'k'),
        operatorAdded(1, owners[1], 'k2'), // OperatorAlreadyExists
        operatorFeeDeclared(owners[2], 1, '1'), // CallerNotOwner
        operatorFeeDeclarationCancelled(owners[3], 1), // CallerNotOwner
        operatorFeeExecuted(owners[4], 1, '1'), // CallerNotOwner
        validatorAdded(owners[5], IDS, V1), // OperatorDoesNotExist
        validatorRemoved(owners[6], IDS, V1), // ValidatorDoesNotExist
        validatorExited(owners[7], IDS, V1), // ValidatorDoesNotExist
        clusterReactivated(owners[8], IDS), // ClusterDoesNotExist
        clusterWithdrawn(owners[9], IDS), // ClusterDoesNotExist
        operatorRemoved(2), // no owner
        operatorPrivacyStatusUpdated([2], true), // no owner
      ),
    );
    expect(registry.rejections).toHaveLength(11);
    expect(accountOwners(registry)).toEqual(owners);
    expect(stateOf(registry).accounts.every((a) => a.feeRecipient === a.owner && a.validatorCount === 0)).toBe(true);
  });

  it('count only validators not removed', () => {
    const registry = replay(
      OPERATORS,
      block(2, validatorAdded(ALICE, IDS, V1), validatorAdded(ALICE, OTHER_IDS, V2), validatorAdded(BOB, IDS, V3)),
      block(3, validatorRemoved(ALICE, OTHER_IDS, V2), validatorExited(ALICE, IDS, V1), clusterLiquidated(BOB, IDS)),
    );
    expect(stateOf(registry).accounts.map((a) => [a.owner, a.validatorCount, a.nonce])).toEqual([
      [ALICE, 1, 2],
      [BOB, 1, 1],
      [CAROL, 0, 0],
    ]);
  });
});

describe('operator counts stay consistent', () => {
  it('match the live validators of active clusters after a mixed history', () => {
    const registry = replay(
      OPERATORS,
      block(2, validatorAdded(ALICE, IDS, V1), validatorAdded(ALICE, IDS, V2), validatorAdded(BOB, [1, 2, 3, 5], V3)),
      block(3, clusterLiquidated(ALICE, IDS), validatorRemoved(ALICE, IDS, V1)),
      block(4, validatorExited(BOB, [1, 2, 3, 5], V3), clusterReactivated(ALICE, IDS)),
      block(5, validatorAdded(ALICE, IDS, V1)),
    );
    expect(registry.rejections).toEqual([]);
    const { validators, clusters } = registry.collections();
    const active = new Set(clusters.filter((c) => c.active).map((c) => c.clusterId));
    const expected = (operator: Operator) =>
      validators.filter((v) => active.has(v.clusterId) && v.operatorIds.includes(operator.operatorId)).length;
    for (const operator of registry.collections().operators) expect(operator.validatorCount).toBe(expected(operator));
    expect(operatorCounts(registry, [1, 4, 5])).toEqual([[3, 5], [2, 5], [1, 2]]);
  });
});
