import { EVENT_TYPES, EventParseResult, parseEvent, RegistryEvent, UNDECODABLE } from './events';
import {
  ALICE,
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
  RawEvent,
  snapshot,
  UINT256_MAX,
  validatorAdded,
  validatorExited,
  validatorKey,
  validatorRemoved,
} from '../testing/builders';

const MIXED_OWNER = '0xAbCdEf0123456789aBcDeF0123456789ABCDEF01';
const LOWER_OWNER = '0xabcdef0123456789abcdef0123456789abcdef01';
const MIXED_KEY = `0x${'Ab'.repeat(48)}`;
const LOWER_KEY = `0x${'ab'.repeat(48)}`;

function accepted(result: EventParseResult): RegistryEvent {
  if (!result.ok) throw new Error(`expected the event to parse, got ${result.code}: ${result.message}`);
  return result.event;
}

function refused(result: EventParseResult): { code: string; message: string } {
  if (result.ok) throw new Error(`expected the event to be refused, got ${JSON.stringify(result.event)}`);
  return { code: result.code, message: result.message };
}

describe('EVENT_TYPES', () => {
  it('lists the fourteen event types of spec §4', () => {
    expect([...EVENT_TYPES].sort()).toEqual(
      [
        'ClusterDeposited',
        'ClusterLiquidated',
        'ClusterReactivated',
        'ClusterWithdrawn',
        'FeeRecipientAddressUpdated',
        'OperatorAdded',
        'OperatorFeeDeclarationCancelled',
        'OperatorFeeDeclared',
        'OperatorFeeExecuted',
        'OperatorPrivacyStatusUpdated',
        'OperatorRemoved',
        'ValidatorAdded',
        'ValidatorExited',
        'ValidatorRemoved',
      ].sort(),
    );
  });
});

describe('parseEvent: shape', () => {
  it.each([
    ['a string', 'OperatorAdded', 'an event must be an object, got "OperatorAdded"'],
    ['a number', 7, 'an event must be an object, got 7'],
    ['null', null, 'an event must be an object, got null'],
    ['an array', [{ type: 'OperatorRemoved', operatorId: 1 }], 'an event must be an object, got [{"type":"OperatorRemoved","operatorId":1}]'],
    ['undefined', undefined, 'an event must be an object, got nothing'],
  ])('refuses %s as InvalidEvent', (_label, raw, message) => {
    expect(refused(parseEvent(raw))).toEqual({ code: 'InvalidEvent', message });
  });

  it('refuses an event without a type as InvalidEvent', () => {
    expect(refused(parseEvent({ operatorId: 1 }))).toEqual({
      code: 'InvalidEvent',
      message: 'field "type" must be a string, got nothing',
    });
  });

  it('refuses a numeric type as InvalidEvent', () => {
    expect(refused(parseEvent({ type: 3, operatorId: 1 }))).toEqual({
      code: 'InvalidEvent',
      message: 'field "type" must be a string, got 3',
    });
  });

  it('refuses a null type as InvalidEvent', () => {
    expect(refused(parseEvent({ type: null }))).toEqual({ code: 'InvalidEvent', message: 'field "type" must be a string, got null' });
  });

  it.each([['OperatorCreated'], ['operatorAdded'], [''], ['toString'], ['__proto__'], ['constructor']])(
    'refuses the unknown type %p as UnknownEventType',
    (type) => {
      expect(refused(parseEvent({ type, operatorId: 1 }))).toEqual({
        code: 'UnknownEventType',
        message: `unknown event type ${JSON.stringify(type)}`,
      });
    },
  );

  it('gives an unknown type UnknownEventType whatever its fields', () => {
    expect(refused(parseEvent({ type: 'Nope' })).code).toBe('UnknownEventType');
  });
});

describe('parseEvent: the undecodable marker', () => {
  it('uses the constant "$undecodable"', () => {
    expect(UNDECODABLE).toBe('$undecodable');
  });

  it('gives InvalidEvent with the marker as the message, even for a well formed event', () => {
    const raw = { ...operatorRemoved(1), [UNDECODABLE]: 'log 0xabc at index 3 does not fit the OperatorRemoved ABI' };
    expect(refused(parseEvent(raw))).toEqual({
      code: 'InvalidEvent',
      message: 'log 0xabc at index 3 does not fit the OperatorRemoved ABI',
    });
  });

  it('comes before the type check', () => {
    expect(refused(parseEvent({ [UNDECODABLE]: 'unknown topic 0xdead' }))).toEqual({
      code: 'InvalidEvent',
      message: 'unknown topic 0xdead',
    });
    expect(refused(parseEvent({ type: 'NotAType', [UNDECODABLE]: 'unknown topic' }))).toEqual({
      code: 'InvalidEvent',
      message: 'unknown topic',
    });
  });

  it('is ignored when it is not a string', () => {
    expect(accepted(parseEvent({ ...operatorRemoved(1), [UNDECODABLE]: true }))).toEqual({ type: 'OperatorRemoved', operatorId: 1 });
  });
});

describe('parseEvent: canonical values', () => {
  it.each<[string, RawEvent, RegistryEvent]>([
    [
      'OperatorAdded',
      operatorAdded('12', MIXED_OWNER, 'Base64Key==', '000100'),
      { type: 'OperatorAdded', operatorId: 12, owner: LOWER_OWNER, publicKey: 'Base64Key==', fee: '100' },
    ],
    ['OperatorRemoved', operatorRemoved('3'), { type: 'OperatorRemoved', operatorId: 3 }],
    [
      'OperatorFeeDeclared',
      operatorFeeDeclared(MIXED_OWNER, 2, UINT256_MAX),
      { type: 'OperatorFeeDeclared', owner: LOWER_OWNER, operatorId: 2, fee: UINT256_MAX },
    ],
    [
      'OperatorFeeDeclarationCancelled',
      operatorFeeDeclarationCancelled(MIXED_OWNER, 2),
      { type: 'OperatorFeeDeclarationCancelled', owner: LOWER_OWNER, operatorId: 2 },
    ],
    [
      'OperatorFeeExecuted',
      operatorFeeExecuted(MIXED_OWNER, 2, 5000),
      { type: 'OperatorFeeExecuted', owner: LOWER_OWNER, operatorId: 2, fee: '5000' },
    ],
    [
      'OperatorPrivacyStatusUpdated',
      operatorPrivacyStatusUpdated(['1', 2], true),
      { type: 'OperatorPrivacyStatusUpdated', operatorIds: [1, 2], toPrivate: true },
    ],
    [
      'ValidatorAdded',
      validatorAdded(MIXED_OWNER, [1, '2', 3, 4], MIXED_KEY),
      { type: 'ValidatorAdded', owner: LOWER_OWNER, operatorIds: [1, 2, 3, 4], publicKey: LOWER_KEY },
    ],
    [
      'ValidatorAdded with a snapshot',
      validatorAdded(MIXED_OWNER, [1, 2, 3, 4], MIXED_KEY, { cluster: snapshot('0042') }),
      { type: 'ValidatorAdded', owner: LOWER_OWNER, operatorIds: [1, 2, 3, 4], publicKey: LOWER_KEY, clusterBalance: '42' },
    ],
    [
      'ValidatorRemoved',
      validatorRemoved(MIXED_OWNER, [1, 2, 3, 4], MIXED_KEY, { cluster: snapshot(7) }),
      { type: 'ValidatorRemoved', owner: LOWER_OWNER, operatorIds: [1, 2, 3, 4], publicKey: LOWER_KEY, clusterBalance: '7' },
    ],
    [
      'ValidatorExited',
      validatorExited(MIXED_OWNER, [1, 2, 3, 4], MIXED_KEY),
      { type: 'ValidatorExited', owner: LOWER_OWNER, operatorIds: [1, 2, 3, 4], publicKey: LOWER_KEY },
    ],
    [
      'ClusterLiquidated',
      clusterLiquidated(MIXED_OWNER, [1, 2, 3, 4], { cluster: snapshot('0') }),
      { type: 'ClusterLiquidated', owner: LOWER_OWNER, operatorIds: [1, 2, 3, 4], clusterBalance: '0' },
    ],
    [
      'ClusterReactivated',
      clusterReactivated(MIXED_OWNER, [1, 2, 3, 4]),
      { type: 'ClusterReactivated', owner: LOWER_OWNER, operatorIds: [1, 2, 3, 4] },
    ],
    [
      'ClusterDeposited',
      clusterDeposited(MIXED_OWNER, [4, 3, 2, 1], '010', { cluster: snapshot(UINT256_MAX) }),
      { type: 'ClusterDeposited', owner: LOWER_OWNER, operatorIds: [4, 3, 2, 1], value: '10', clusterBalance: UINT256_MAX },
    ],
    [
      'ClusterWithdrawn',
      clusterWithdrawn(MIXED_OWNER, [1, 2, 3, 4], 9),
      { type: 'ClusterWithdrawn', owner: LOWER_OWNER, operatorIds: [1, 2, 3, 4], value: '9' },
    ],
    [
      'FeeRecipientAddressUpdated',
      feeRecipientAddressUpdated(MIXED_OWNER, MIXED_OWNER.replace('0xA', '0xF')),
      { type: 'FeeRecipientAddressUpdated', owner: LOWER_OWNER, recipientAddress: LOWER_OWNER.replace('0xa', '0xf') },
    ],
  ])('%s', (_label, raw, event) => {
    expect(accepted(parseEvent(raw))).toEqual(event);
  });

  it('keeps only the fields of the event type (unknown fields and shares are dropped)', () => {
    const event = accepted(parseEvent({ ...validatorAdded(ALICE, [1, 2, 3, 4], validatorKey(1)), shares: 42, extra: 'x', blockHash: 1 }));
    expect(Object.keys(event).sort()).toEqual(['operatorIds', 'owner', 'publicKey', 'type']);
  });

  it('does not check shares', () => {
    for (const shares of [null, 42, '', { any: 'thing' }]) {
      expect(parseEvent(validatorAdded(ALICE, [1, 2, 3, 4], validatorKey(1), { shares })).ok).toBe(true);
    }
  });

  it('keeps operator ids in the given order (the rules judge the order)', () => {
    const event = accepted(parseEvent(validatorAdded(ALICE, [4, 2, 2, 1], validatorKey(1))));
    expect(event).toMatchObject({ operatorIds: [4, 2, 2, 1] });
  });
});

describe('parseEvent: the cluster snapshot', () => {
  const withCluster = (cluster: unknown) => clusterDeposited(ALICE, [1, 2, 3, 4], '1', { cluster });

  it('reads only the balance; the other fields are not checked', () => {
    const event = accepted(parseEvent(withCluster({ balance: '5', validatorCount: 'many', active: 'maybe', index: null })));
    expect(event).toEqual({ type: 'ClusterDeposited', owner: ALICE, operatorIds: [1, 2, 3, 4], value: '1', clusterBalance: '5' });
  });

  it('is optional', () => {
    expect(accepted(parseEvent(clusterDeposited(ALICE, [1, 2, 3, 4])))).not.toHaveProperty('clusterBalance');
  });

  it('round-trips uint256 max', () => {
    expect(accepted(parseEvent(withCluster(snapshot(UINT256_MAX))))).toMatchObject({ clusterBalance: UINT256_MAX });
  });

  it.each([
    ['a string', '100', 'must be a cluster snapshot object with a balance, got "100"'],
    ['an array', [snapshot('1')], 'must be a cluster snapshot object with a balance'],
    ['null', null, 'must be a cluster snapshot object with a balance, got null'],
    ['an object without balance', { validatorCount: 1 }, 'must be a cluster snapshot whose balance is a uint256 amount'],
    ['a negative balance', snapshot('-1'), 'must be a cluster snapshot whose balance is a uint256 amount'],
    ['an unsafe number balance', snapshot(2 ** 60), 'must be a cluster snapshot whose balance is a uint256 amount'],
    ['a balance above uint256', snapshot(`${UINT256_MAX}0`), 'must be a cluster snapshot whose balance is a uint256 amount'],
  ])('refuses %s as InvalidEvent', (_label, cluster, message) => {
    const result = refused(parseEvent(withCluster(cluster)));
    expect(result.code).toBe('InvalidEvent');
    expect(result.message).toContain(`ClusterDeposited: field "cluster" ${message}`);
  });

  it.each([['ValidatorAdded'], ['ValidatorRemoved'], ['ClusterLiquidated'], ['ClusterReactivated'], ['ClusterWithdrawn']])(
    'is checked on %s too',
    (type) => {
      const raw = { type, owner: ALICE, operatorIds: [1, 2, 3, 4], publicKey: validatorKey(1), value: '1', cluster: 'x' };
      expect(refused(parseEvent(raw))).toEqual({
        code: 'InvalidEvent',
        message: `${type}: field "cluster" must be a cluster snapshot object with a balance, got "x"`,
      });
    },
  );

  it('is ignored on ValidatorExited, which has none', () => {
    expect(accepted(parseEvent({ ...validatorExited(ALICE, [1, 2, 3, 4], validatorKey(1)), cluster: 'x' }))).not.toHaveProperty(
      'clusterBalance',
    );
  });
});

/**
 * For each event type, a valid event and, for each of its required fields, a malformed value:
 * removing the field or replacing it must give InvalidEvent naming the type and the field.
 */
const BAD_ADDRESS = '0x1234';
const FIELD_CASES: Array<[string, RawEvent, Record<string, unknown>]> = [
  ['OperatorAdded', operatorAdded(1, ALICE, 'key', '1'), { operatorId: 0, owner: BAD_ADDRESS, publicKey: '', fee: '-1' }],
  ['OperatorRemoved', operatorRemoved(1), { operatorId: 'one' }],
  ['OperatorFeeDeclared', operatorFeeDeclared(ALICE, 1, '1'), { owner: BAD_ADDRESS, operatorId: -1, fee: 1.5 }],
  ['OperatorFeeDeclarationCancelled', operatorFeeDeclarationCancelled(ALICE, 1), { owner: 42, operatorId: 2.5 }],
  ['OperatorFeeExecuted', operatorFeeExecuted(ALICE, 1, '1'), { owner: BAD_ADDRESS, operatorId: null, fee: 'ten' }],
  ['OperatorPrivacyStatusUpdated', operatorPrivacyStatusUpdated([1], true), { operatorIds: [1, 0], toPrivate: 'yes' }],
  [
    'ValidatorAdded',
    validatorAdded(ALICE, [1, 2, 3, 4], validatorKey(1)),
    { owner: BAD_ADDRESS, operatorIds: '1,2,3,4', publicKey: '0xabc' },
  ],
  [
    'ValidatorRemoved',
    validatorRemoved(ALICE, [1, 2, 3, 4], validatorKey(1)),
    { owner: BAD_ADDRESS, operatorIds: [1, 2, 3, -4], publicKey: 'not-a-key' },
  ],
  [
    'ValidatorExited',
    validatorExited(ALICE, [1, 2, 3, 4], validatorKey(1)),
    { owner: BAD_ADDRESS, operatorIds: 4, publicKey: `0x${'g'.repeat(30)}` },
  ],
  ['ClusterLiquidated', clusterLiquidated(ALICE, [1, 2, 3, 4]), { owner: BAD_ADDRESS, operatorIds: null }],
  ['ClusterReactivated', clusterReactivated(ALICE, [1, 2, 3, 4]), { owner: BAD_ADDRESS, operatorIds: [1.5] }],
  ['ClusterDeposited', clusterDeposited(ALICE, [1, 2, 3, 4], '1'), { owner: BAD_ADDRESS, operatorIds: {}, value: 2 ** 53 }],
  ['ClusterWithdrawn', clusterWithdrawn(ALICE, [1, 2, 3, 4], '1'), { owner: BAD_ADDRESS, operatorIds: ['x'], value: -5 }],
  ['FeeRecipientAddressUpdated', feeRecipientAddressUpdated(ALICE, ALICE), { owner: BAD_ADDRESS, recipientAddress: 'nobody' }],
];

describe.each(FIELD_CASES)('parseEvent: fields of %s', (type, valid, badValues) => {
  it('accepts the valid event', () => {
    expect(accepted(parseEvent(valid)).type).toBe(type);
  });

  it.each(Object.entries(badValues))('refuses a missing "%s" as InvalidEvent', (field) => {
    const raw = { ...valid };
    delete raw[field];
    const result = refused(parseEvent(raw));
    expect(result.code).toBe('InvalidEvent');
    expect(result.message).toMatch(new RegExp(`^${type}: field "${field}" is missing \\(.+\\)$`));
  });

  it.each(Object.entries(badValues))('refuses a malformed "%s" as InvalidEvent', (field, bad) => {
    const result = refused(parseEvent({ ...valid, [field]: bad }));
    expect(result.code).toBe('InvalidEvent');
    expect(result.message).toMatch(new RegExp(`^${type}: field "${field}" must be .+, got `));
    expect(result.message.endsWith(`got ${JSON.stringify(bad)}`)).toBe(true);
  });
});

describe('parseEvent: messages', () => {
  it('names the first bad field in the order of the event type', () => {
    expect(refused(parseEvent({ type: 'OperatorAdded', owner: 'x', fee: 'y' })).message).toBe(
      'OperatorAdded: field "operatorId" is missing (an operator id (an integer ≥ 1))',
    );
  });

  it('says what was expected and what came', () => {
    expect(refused(parseEvent(operatorFeeExecuted(ALICE, 1, '1.5'))).message).toBe(
      'OperatorFeeExecuted: field "fee" must be an amount (a uint256 decimal string), got "1.5"',
    );
  });

  it('treats a JSON null as a malformed value, not a missing one', () => {
    expect(refused(parseEvent({ ...operatorRemoved(1), operatorId: null })).message).toBe(
      'OperatorRemoved: field "operatorId" must be an operator id (an integer ≥ 1), got null',
    );
  });
});
