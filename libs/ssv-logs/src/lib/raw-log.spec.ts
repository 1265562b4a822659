import { CONTRACT, encodeLog, hash } from '../testing/encode-log';
import { isRawLogError, parseRawLog, RawLog, RawLogError } from './raw-log';

const log = encodeLog('OperatorRemoved', { operatorId: 1n });

function error(value: unknown): RawLogError {
  const parsed = parseRawLog(value);
  if (!isRawLogError(parsed)) throw new Error(`expected an error, got ${JSON.stringify(parsed)}`);
  return parsed;
}

describe('parseRawLog', () => {
  it('checks a complete log and makes it canonical', () => {
    const parsed = parseRawLog({ ...log, blockNumber: '0x89EBFF', logIndex: '0x7a', transactionIndex: '0x22' });
    expect(parsed).toEqual<RawLog>({
      address: CONTRACT.toLowerCase(),
      topics: log.topics,
      data: log.data,
      blockNumber: 0x89ebff,
      blockHash: log.blockHash,
      transactionHash: log.transactionHash,
      transactionIndex: 0x22,
      logIndex: 0x7a,
      removed: false,
    });
  });

  it('accepts a block number as a hex quantity, a decimal number or a decimal string', () => {
    expect(parseRawLog({ ...log, blockNumber: '0x10' })).toMatchObject({ blockNumber: 16 });
    expect(parseRawLog({ ...log, blockNumber: 16 })).toMatchObject({ blockNumber: 16 });
    expect(parseRawLog({ ...log, blockNumber: '16' })).toMatchObject({ blockNumber: 16 });
  });

  it('is lenient where real dumps are: no blockHash, logIndex, transactionIndex, removed (or null)', () => {
    const { blockHash: _h, logIndex: _l, transactionIndex: _t, removed: _r, ...bare } = log;
    const parsed = parseRawLog(bare) as RawLog;
    const { blockHash: _bh, logIndex: _li, transactionIndex: _ti, ...rest } = parseRawLog(log) as RawLog;
    expect(parsed).toStrictEqual(rest);
    expect(parsed.removed).toBe(false);
    expect('logIndex' in parsed).toBe(false);
    const nulls = { ...log, blockHash: null, logIndex: null, transactionIndex: null };
    expect(parseRawLog(nulls)).toStrictEqual(rest);
    expect(parseRawLog({ ...log, removed: true })).toMatchObject({ removed: true });
  });

  it('says a value that is not a log object at all is not a log', () => {
    for (const value of [null, 'text', [log], 42, { number: 7, events: [] }, { blockNumber: 7, events: [] }]) {
      expect(error(value)).toMatchObject({ notALog: true, field: null });
    }
  });

  it.each([
    ['address', { address: undefined }, /field "address" is missing/],
    ['address', { address: '0x1234' }, /field "address" must be an address/],
    ['topics', { topics: undefined }, /field "topics" is missing/],
    ['topics', { topics: [hash('1'), hash('2'), hash('3'), hash('4'), hash('5')] }, /at most 4 topics/],
    ['topics[1]', { topics: [hash('1'), '0x12'] }, /field "topics\[1\]" must be a 32-byte hex topic/],
    ['data', { data: undefined }, /field "data" is missing/],
    ['data', { data: '0x123' }, /field "data" must be hex data/],
    ['blockNumber', { blockNumber: undefined }, /field "blockNumber" is missing/],
    ['blockNumber', { blockNumber: null }, /field "blockNumber" must be a block number/],
    ['blockNumber', { blockNumber: -1 }, /field "blockNumber"/],
    ['blockNumber', { blockNumber: '0x20000000000000' }, /field "blockNumber"/],
    ['blockHash', { blockHash: '0xabc' }, /field "blockHash" must be a 32-byte hex hash/],
    ['transactionHash', { transactionHash: 12 }, /field "transactionHash"/],
    ['logIndex', { logIndex: 'seven' }, /field "logIndex" must be a hex quantity/],
    ['transactionIndex', { transactionIndex: '0xzz' }, /field "transactionIndex"/],
    ['removed', { removed: 'no' }, /field "removed" must be true or false/],
  ])('refuses a malformed %s', (field, change, message) => {
    const e = error({ ...log, ...change });
    expect(e).toMatchObject({ field, notALog: false });
    expect(e.message).toMatch(message);
  });

  it('says a quantity is beyond 2^53−1 when it is, showing it as written, never a rounded value', () => {
    const beyond = (what: string) => `beyond 9007199254740991 (2^53−1), the largest ${what} it takes`;
    expect(error({ ...log, blockNumber: '0x20000000000001' }).message).toBe(`field "blockNumber" is "0x20000000000001", ${beyond('block number')}`);
    expect(error({ ...log, logIndex: '99999999999999999999' }).message).toBe(`field "logIndex" is "99999999999999999999", ${beyond('log index')}`);
    // A JSON number: JSON.parse has rounded it, so it is shown as the file wrote it when the caller knows...
    const written = (field: string) => ({ blockNumber: '9007199254740993', transactionIndex: '1e400', logIndex: '-1e400' })[field];
    const rounded = JSON.parse('9007199254740993') as number; // 9007199254740992
    expect(parseRawLog({ ...log, blockNumber: rounded }, written)).toMatchObject({
      field: 'blockNumber',
      message: `field "blockNumber" is 9007199254740993, ${beyond('block number')}`,
    });
    expect(parseRawLog({ ...log, transactionIndex: Infinity }, written)).toMatchObject({
      message: `field "transactionIndex" is 1e400, ${beyond('transaction index')}`,
    });
    expect(parseRawLog({ ...log, logIndex: -Infinity }, written)).toMatchObject({
      message: 'field "logIndex" must be a hex quantity (0x…) or a non-negative integer, got -1e400',
    });
    // ...and not shown at all otherwise.
    expect(error({ ...log, blockNumber: rounded }).message).toBe(`field "blockNumber" is a number, ${beyond('block number')}`);
    // The largest safe integer itself is taken.
    expect(parseRawLog({ ...log, blockNumber: '0x1fffffffffffff', logIndex: 9007199254740991 })).toMatchObject({
      blockNumber: 9007199254740991,
      logIndex: 9007199254740991,
    });
  });
});
