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
});
