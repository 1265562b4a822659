import { InMemoryRegistry, parseEvent, UNDECODABLE } from '@bqm/domain';
import { encodeAbiParameters, getAddress, keccak256, toHex } from 'viem';
import {
  bytes,
  CONTRACT,
  encodeLog,
  hash,
  OTHER,
  OWNER,
  RawLogJson,
  UINT256_MAX,
  UINT64_MAX,
} from '../testing/encode-log';
import { SSV_EVENT_NAMES, SSV_EVENT_TOPICS } from './abi';
import { DecodedLog, decodeSsvLog, DecodeOptions, toNativeEvent } from './decode';
import { isRawLogError, parseRawLog, RawLog } from './raw-log';

const owner = OWNER.toLowerCase();
/** An operator key as the SSV node shows it: base64 of a PEM (made up here). */
const OPERATOR_KEY_TEXT = Buffer.from(
  '-----BEGIN RSA PUBLIC KEY-----\nTEST-KEY-FOR-SSV-LOGS-SPEC\n-----END RSA PUBLIC KEY-----\n',
).toString('base64');
const VALIDATOR_KEY = bytes(48, 'A5');
const SHARES = bytes(260, 'c3');

const clusterArg = (overrides: Partial<Record<string, unknown>> = {}) => ({
  validatorCount: 3,
  networkFeeIndex: UINT64_MAX,
  index: 1234567890123n,
  active: true,
  balance: UINT256_MAX,
  ...overrides,
});
const clusterJson = {
  validatorCount: 3,
  networkFeeIndex: '18446744073709551615',
  index: '1234567890123',
  active: true,
  balance: UINT256_MAX.toString(),
};

function checked(json: unknown): RawLog {
  const log = parseRawLog(json);
  if (isRawLogError(log)) throw new Error(log.message);
  return log;
}

const decode = (json: RawLogJson, options?: DecodeOptions): DecodedLog => decodeSsvLog(checked(json), options);

function decodeEvent(json: RawLogJson): unknown {
  const decoded = decode(json);
  if (decoded.kind !== 'event') throw new Error(`expected an event, got ${JSON.stringify(decoded)}`);
  return decoded.event;
}

const COMMITTEE_7 = [1n, 2n, 3n, 5n, 8n, 13n, 21n];

describe('decodeSsvLog: the 14 events', () => {
  const cases: [string, RawLogJson, unknown][] = [
    [
      'OperatorAdded (publicKey bytes hold an ABI-encoded string)',
      encodeLog('OperatorAdded', {
        operatorId: 7n,
        owner: OWNER,
        publicKey: encodeAbiParameters([{ type: 'string' }], [OPERATOR_KEY_TEXT]),
        fee: 956_600_000_000n,
      }),
      { type: 'OperatorAdded', operatorId: 7, owner, publicKey: OPERATOR_KEY_TEXT, fee: '956600000000' },
    ],
    [
      'OperatorRemoved',
      encodeLog('OperatorRemoved', { operatorId: 4660n }),
      { type: 'OperatorRemoved', operatorId: 4660 },
    ],
    [
      'OperatorFeeDeclared (its blockNumber argument dropped)',
      encodeLog('OperatorFeeDeclared', { owner: OWNER, operatorId: 9n, blockNumber: 123456n, fee: UINT256_MAX }),
      { type: 'OperatorFeeDeclared', owner, operatorId: 9, fee: UINT256_MAX.toString() },
    ],
    [
      'OperatorFeeDeclarationCancelled',
      encodeLog('OperatorFeeDeclarationCancelled', { owner: OWNER, operatorId: 9n }),
      { type: 'OperatorFeeDeclarationCancelled', owner, operatorId: 9 },
    ],
    [
      'OperatorFeeExecuted (its blockNumber argument dropped)',
      encodeLog('OperatorFeeExecuted', { owner: OWNER, operatorId: 9n, blockNumber: 1n, fee: 0n }),
      { type: 'OperatorFeeExecuted', owner, operatorId: 9, fee: '0' },
    ],
    [
      'OperatorPrivacyStatusUpdated',
      encodeLog('OperatorPrivacyStatusUpdated', { operatorIds: [1n, 2n, 30n], toPrivate: true }),
      { type: 'OperatorPrivacyStatusUpdated', operatorIds: [1, 2, 30], toPrivate: true },
    ],
    [
      'ValidatorAdded (7-operator committee, uint256 max balance)',
      encodeLog('ValidatorAdded', {
        owner: OWNER,
        operatorIds: COMMITTEE_7,
        publicKey: VALIDATOR_KEY,
        shares: SHARES,
        cluster: clusterArg(),
      }),
      {
        type: 'ValidatorAdded',
        owner,
        operatorIds: [1, 2, 3, 5, 8, 13, 21],
        publicKey: VALIDATOR_KEY.toLowerCase(),
        shares: SHARES,
        cluster: clusterJson,
      },
    ],
    [
      'ValidatorRemoved (13-operator committee)',
      encodeLog('ValidatorRemoved', {
        owner: OWNER,
        operatorIds: Array.from({ length: 13 }, (_, i) => BigInt(i + 100)),
        publicKey: VALIDATOR_KEY,
        cluster: clusterArg({ validatorCount: 0, balance: 0n }),
      }),
      {
        type: 'ValidatorRemoved',
        owner,
        operatorIds: Array.from({ length: 13 }, (_, i) => i + 100),
        publicKey: VALIDATOR_KEY.toLowerCase(),
        cluster: { ...clusterJson, validatorCount: 0, balance: '0' },
      },
    ],
    [
      'ValidatorExited',
      encodeLog('ValidatorExited', { owner: OWNER, operatorIds: [1n, 2n, 3n, 4n], publicKey: VALIDATOR_KEY }),
      { type: 'ValidatorExited', owner, operatorIds: [1, 2, 3, 4], publicKey: VALIDATOR_KEY.toLowerCase() },
    ],
    [
      'ClusterLiquidated',
      encodeLog('ClusterLiquidated', {
        owner: OWNER,
        operatorIds: [1n, 2n, 3n, 4n],
        cluster: clusterArg({ active: false, balance: 0n }),
      }),
      {
        type: 'ClusterLiquidated',
        owner,
        operatorIds: [1, 2, 3, 4],
        cluster: { ...clusterJson, active: false, balance: '0' },
      },
    ],
    [
      'ClusterReactivated',
      encodeLog('ClusterReactivated', { owner: OWNER, operatorIds: [1n, 2n, 3n, 4n], cluster: clusterArg() }),
      { type: 'ClusterReactivated', owner, operatorIds: [1, 2, 3, 4], cluster: clusterJson },
    ],
    [
      'ClusterDeposited (uint256 max value)',
      encodeLog('ClusterDeposited', {
        owner: OWNER,
        operatorIds: COMMITTEE_7,
        value: UINT256_MAX,
        cluster: clusterArg(),
      }),
      {
        type: 'ClusterDeposited',
        owner,
        operatorIds: [1, 2, 3, 5, 8, 13, 21],
        value: UINT256_MAX.toString(),
        cluster: clusterJson,
      },
    ],
    [
      'ClusterWithdrawn',
      encodeLog('ClusterWithdrawn', {
        owner: OWNER,
        operatorIds: [1n, 2n, 3n, 4n],
        value: 10n ** 18n,
        cluster: clusterArg({ balance: 5n }),
      }),
      {
        type: 'ClusterWithdrawn',
        owner,
        operatorIds: [1, 2, 3, 4],
        value: '1000000000000000000',
        cluster: { ...clusterJson, balance: '5' },
      },
    ],
    [
      'FeeRecipientAddressUpdated',
      encodeLog('FeeRecipientAddressUpdated', {
        owner: OWNER,
        recipientAddress: getAddress('0xfeedfeedfeedfeedfeedfeedfeedfeedfeedfeed'),
      }),
      { type: 'FeeRecipientAddressUpdated', owner, recipientAddress: '0xfeedfeedfeedfeedfeedfeedfeedfeedfeedfeed' },
    ],
  ];

  it('covers all 14 events', () => {
    const covered = new Set(cases.map(([, , expected]) => (expected as { type: string }).type));
    expect([...covered].sort()).toEqual([...SSV_EVENT_NAMES].sort());
  });

  it.each(cases)('%s', (_name, log, expected) => {
    const event = decodeEvent(log);
    expect(event).toStrictEqual(expected);
    // plain JSON: survives a JSON round trip unchanged (no bigint, no undefined)
    expect(JSON.parse(JSON.stringify(event))).toStrictEqual(expected);
  });

  it.each(cases)('the domain accepts the decoded %s', (_name, log) => {
    const parsed = parseEvent(decodeEvent(log));
    expect(parsed).toMatchObject({ ok: true });
  });

  it('reads data and topics in any hex case', () => {
    const log = encodeLog('OperatorRemoved', { operatorId: 10n });
    const upper = { ...log, topics: log.topics.map((t) => `0x${t.slice(2).toUpperCase()}`) };
    expect(decodeEvent(upper)).toEqual({ type: 'OperatorRemoved', operatorId: 10 });
  });
});

describe('decodeSsvLog: ignored logs', () => {
  it('ignores a topic0 that is not one of the 14 events (e.g. an ERC-20 Transfer)', () => {
    const transfer = keccak256(toHex('Transfer(address,address,uint256)'));
    const log = { ...encodeLog('OperatorRemoved', { operatorId: 1n }), topics: [transfer, hash('a'), hash('b')] };
    const decoded = decode(log);
    expect(decoded).toEqual({ kind: 'ignored', reason: expect.stringContaining(transfer) });
    expect(toNativeEvent(decoded)).toBeNull();
  });

  it('ignores an anonymous log (no topics)', () => {
    const anonymous = { ...encodeLog('OperatorRemoved', { operatorId: 1n }), topics: [] };
    expect(decode(anonymous)).toMatchObject({ kind: 'ignored' });
  });

  it('ignores logs of other addresses when the addresses are restricted (case-insensitive)', () => {
    const log = encodeLog('OperatorRemoved', { operatorId: 1n });
    expect(decode(log, { addresses: [CONTRACT.toUpperCase().replace('0X', '0x')] })).toMatchObject({ kind: 'event' });
    expect(decode(log, { addresses: [OTHER, CONTRACT.toLowerCase()] })).toMatchObject({ kind: 'event' });
    const decoded = decode(log, { addresses: [OTHER] });
    expect(decoded).toEqual({ kind: 'ignored', reason: expect.stringContaining(CONTRACT.toLowerCase()) });
  });

  it('knows the topic0 of each event', () => {
    expect(SSV_EVENT_TOPICS.OperatorRemoved).toBe(keccak256(toHex('OperatorRemoved(uint64)')));
    expect(SSV_EVENT_TOPICS.ValidatorAdded).toBe(
      keccak256(toHex('ValidatorAdded(address,uint64[],bytes,bytes,(uint32,uint64,uint64,bool,uint256))')),
    );
  });
});

describe('decodeSsvLog: invalid logs', () => {
  function expectInvalid(json: RawLogJson, type: string, problem: RegExp): string {
    const decoded = decode(json);
    if (decoded.kind !== 'invalid') throw new Error(`expected invalid, got ${JSON.stringify(decoded)}`);
    expect(decoded.type).toBe(type);
    expect(decoded.message).toMatch(problem);
    // the message identifies the log
    expect(decoded.message).toContain(json.transactionHash!);
    expect(decoded.message).toContain('logIndex 3');
    return decoded.message;
  }

  it('truncated data', () => {
    const args = { owner: OWNER, operatorIds: [1n, 2n, 3n, 4n], value: 1n, cluster: clusterArg() };
    const log = encodeLog('ClusterDeposited', args);
    expectInvalid({ ...log, data: log.data.slice(0, -64) }, 'ClusterDeposited', /cannot be ABI-decoded/);
    expectInvalid({ ...log, data: '0x' }, 'ClusterDeposited', /cannot be ABI-decoded/);
  });

  it('a missing indexed topic', () => {
    const log = encodeLog('OperatorFeeDeclared', { owner: OWNER, operatorId: 9n, blockNumber: 1n, fee: 1n });
    const missing = { ...log, topics: log.topics.slice(0, 2) };
    expectInvalid(missing, 'OperatorFeeDeclared', /expected 3 topics.*got 2.*missing/);
  });

  it('an extra topic', () => {
    const log = encodeLog('OperatorRemoved', { operatorId: 9n });
    expectInvalid({ ...log, topics: [...log.topics, hash('x')] }, 'OperatorRemoved', /expected 2 topics/);
  });

  it('an OperatorAdded whose publicKey is not an ABI-encoded string', () => {
    const args = { operatorId: 7n, owner: OWNER, fee: 1n };
    const notAbi = /"publicKey" is not an ABI-encoded string/;
    expectInvalid(encodeLog('OperatorAdded', { ...args, publicKey: '0x1234' }), 'OperatorAdded', notAbi);
    // a string whose length runs past its bytes
    const overlong = encodeAbiParameters([{ type: 'string' }], ['short']).replace(/05(?=73686f7274)/, 'ff');
    expectInvalid(encodeLog('OperatorAdded', { ...args, publicKey: overlong }), 'OperatorAdded', notAbi);
    // well encoded, but not UTF-8 text
    const notText = encodeAbiParameters([{ type: 'bytes' }], ['0xff00']);
    expectInvalid(encodeLog('OperatorAdded', { ...args, publicKey: notText }), 'OperatorAdded', /not valid UTF-8/);
  });

  it('an operatorId beyond Number.MAX_SAFE_INTEGER', () => {
    const big = BigInt(Number.MAX_SAFE_INTEGER) + 2n;
    expectInvalid(encodeLog('OperatorRemoved', { operatorId: big }), 'OperatorRemoved', /operatorId.*MAX_SAFE_INTEGER/);
    expectInvalid(
      encodeLog('ClusterWithdrawn', { owner: OWNER, operatorIds: [1n, big], value: 1n, cluster: clusterArg() }),
      'ClusterWithdrawn',
      /operatorIds\[1\].*MAX_SAFE_INTEGER/,
    );
  });

  it('a uint64 topic wider than 64 bits', () => {
    const log = encodeLog('OperatorRemoved', { operatorId: 1n });
    const wide = { ...log, topics: [log.topics[0], `0x${'ff'.repeat(32)}`] };
    expectInvalid(wide, 'OperatorRemoved', /does not fit in uint64/);
  });

  it('a bool that is neither 0 nor 1', () => {
    const log = encodeLog('OperatorPrivacyStatusUpdated', { operatorIds: [1n], toPrivate: true });
    const data = `${log.data.slice(0, 2 + 64)}${'0'.repeat(63)}2${log.data.slice(2 + 128)}`;
    expectInvalid({ ...log, data }, 'OperatorPrivacyStatusUpdated', /cannot be ABI-decoded/);
  });

  it('toNativeEvent marks an invalid log so that the domain rejects it with its message', () => {
    const log = encodeLog('OperatorRemoved', { operatorId: 1n });
    const decoded = decode({ ...log, topics: log.topics.slice(0, 1) });
    if (decoded.kind !== 'invalid') throw new Error('expected invalid');
    const event = toNativeEvent(decoded);
    expect(event).toEqual({ type: 'OperatorRemoved', [UNDECODABLE]: decoded.message });
    const registry = new InMemoryRegistry();
    const outcome = registry.applyBlock({ number: 16, events: [event] });
    expect(outcome.rejections).toEqual([
      expect.objectContaining({ index: 0, type: 'OperatorRemoved', code: 'InvalidEvent', message: decoded.message }),
    ]);
  });

  it('a ValidatorAdded with a 47-byte key decodes here, and the domain rejects it with InvalidEvent', () => {
    const key = bytes(47, 'cd');
    const event = decodeEvent(
      encodeLog('ValidatorAdded', {
        owner: OWNER,
        operatorIds: [1n, 2n, 3n, 4n],
        publicKey: key,
        shares: '0x',
        cluster: clusterArg(),
      }),
    );
    expect(event).toMatchObject({ type: 'ValidatorAdded', publicKey: key });
    const registry = new InMemoryRegistry();
    const outcome = registry.applyBlock({ number: 16, events: [event] });
    expect(outcome.rejections).toEqual([
      expect.objectContaining({ blockNumber: 16, index: 0, type: 'ValidatorAdded', code: 'InvalidEvent' }),
    ]);
    expect(outcome.rejections[0].message).toMatch(/publicKey/);
  });
});
