import { Block, BlockFileError, BlockSequenceChecker, parseBlock } from './blocks';
import { operatorRemoved } from '../testing/builders';

const HASH = `0x${'AB'.repeat(32)}`;
const PARENT = `0x${'cd'.repeat(32)}`;

/** The error `fn` throws, failing the test when it throws nothing or something else. */
function errorOf(fn: () => unknown): BlockFileError {
  try {
    fn();
  } catch (error) {
    if (error instanceof BlockFileError) return error;
    throw error;
  }
  throw new Error('expected a BlockFileError, nothing was thrown');
}

describe('parseBlock', () => {
  it('keeps the number and the raw events, in order', () => {
    const events = [operatorRemoved(1), { type: 'Nope' }, 'not even an object'];
    expect(parseBlock({ number: 7, events }, { index: 0 })).toEqual({ number: 7, events });
  });

  it('keeps hash, parentHash (lowercased) and timestamp when present', () => {
    expect(parseBlock({ number: 7, hash: HASH, parentHash: PARENT, timestamp: 1700000000, events: [] }, { index: 0 })).toEqual({
      number: 7,
      hash: HASH.toLowerCase(),
      parentHash: PARENT,
      timestamp: 1700000000,
      events: [],
    });
  });

  it('accepts block 0 and an empty events array', () => {
    expect(parseBlock({ number: 0, events: [] }, { index: 0 })).toEqual({ number: 0, events: [] });
  });

  it('ignores unknown block fields', () => {
    expect(parseBlock({ number: 3, events: [], miner: 'x', transactions: 12 }, { index: 0 })).toEqual({ number: 3, events: [] });
  });

  describe('blockNumber alias', () => {
    it('accepts blockNumber alone', () => {
      expect(parseBlock({ blockNumber: 12, events: [] }, { index: 0 })).toEqual({ number: 12, events: [] });
    });

    it('accepts both when they agree', () => {
      expect(parseBlock({ number: 12, blockNumber: 12, events: [] }, { index: 0 }).number).toBe(12);
    });

    it('refuses both when they disagree, naming both values', () => {
      const error = errorOf(() => parseBlock({ number: 12, blockNumber: 13, events: [] }, { index: 4 }));
      expect(error.message).toBe('block 12: fields "number" (12) and "blockNumber" (13) disagree');
      expect(error.location).toEqual({ blockIndex: 4, line: undefined, blockNumber: 12, field: 'blockNumber' });
    });

    it('refuses a blockNumber string next to the same number', () => {
      expect(errorOf(() => parseBlock({ number: 12, blockNumber: '12', events: [] }, { index: 0 })).message).toBe(
        'block 12: fields "number" (12) and "blockNumber" ("12") disagree',
      );
    });

    it('names blockNumber when only the alias is present and bad', () => {
      const error = errorOf(() => parseBlock({ blockNumber: -2, events: [] }, { index: 1 }));
      expect(error.message).toBe('block #2: field "blockNumber" must be a block number (a non-negative integer), got -2');
      expect(error.location.field).toBe('blockNumber');
    });
  });

  describe('number', () => {
    it('is required', () => {
      const error = errorOf(() => parseBlock({ events: [] }, { index: 2 }));
      expect(error).toBeInstanceOf(Error);
      expect(error.name).toBe('BlockFileError');
      expect(error.message).toBe('block #3: field "number" is missing');
      expect(error.reason).toBe(error.message);
      expect(error.location).toEqual({ blockIndex: 2, line: undefined, field: 'number' });
    });

    it.each([
      ['negative', -1, '-1'],
      ['not an integer', 1.5, '1.5'],
      ['unsafe', Number.MAX_SAFE_INTEGER + 1, '9007199254740992'],
      ['a string', '7', '"7"'],
      ['null', null, 'null'],
    ])('is refused when %s', (_label, number, shown) => {
      const error = errorOf(() => parseBlock({ number, events: [] }, { index: 0 }));
      expect(error.message).toBe(`block #1: field "number" must be a block number (a non-negative integer), got ${shown}`);
      expect(error.location).toEqual({ blockIndex: 0, line: undefined, field: 'number' });
    });

    it('names the NDJSON line when there is one', () => {
      const error = errorOf(() => parseBlock({ number: -5, events: [] }, { index: 9, line: 10 }));
      expect(error.message).toBe('block #10 (line 10): field "number" must be a block number (a non-negative integer), got -5');
      expect(error.location).toEqual({ blockIndex: 9, line: 10, field: 'number' });
    });
  });

  describe('optional fields', () => {
    it.each([
      ['hash', `0x${'a'.repeat(63)}`, 'a 32-byte hex hash (0x followed by 64 hex digits)'],
      ['hash', 'abc', 'a 32-byte hex hash (0x followed by 64 hex digits)'],
      ['parentHash', `0x${'z'.repeat(64)}`, 'a 32-byte hex hash (0x followed by 64 hex digits)'],
      ['parentHash', null, 'a 32-byte hex hash (0x followed by 64 hex digits)'],
      ['timestamp', -1, 'a timestamp in seconds (a non-negative integer)'],
      ['timestamp', '1700000000', 'a timestamp in seconds (a non-negative integer)'],
      ['timestamp', 1.25, 'a timestamp in seconds (a non-negative integer)'],
    ])('refuses a bad %s (%p), naming the block and the field', (field, value, expected) => {
      const error = errorOf(() => parseBlock({ number: 21, events: [], [field]: value }, { index: 3, line: 4 }));
      expect(error.message).toBe(`block 21 (line 4): field "${field}" must be ${expected}, got ${JSON.stringify(value)}`);
      expect(error.location).toEqual({ blockIndex: 3, line: 4, blockNumber: 21, field });
    });
  });

  describe('events', () => {
    it('is required', () => {
      const error = errorOf(() => parseBlock({ number: 5 }, { index: 0 }));
      expect(error.message).toBe('block 5: field "events" is missing');
      expect(error.location).toEqual({ blockIndex: 0, line: undefined, blockNumber: 5, field: 'events' });
    });

    it.each([
      [{ type: 'OperatorRemoved', operatorId: 1 }, '{"type":"OperatorRemoved","operatorId":1}'],
      ['[]', '"[]"'],
      [null, 'null'],
      [0, '0'],
    ])('must be an array, not %p', (events, shown) => {
      const error = errorOf(() => parseBlock({ number: 5, events }, { index: 0 }));
      expect(error.message).toBe(`block 5: field "events" must be an array, got ${shown}`);
      expect(error.location.field).toBe('events');
    });
  });

  it.each([
    ['an array', [], 'block #2 must be an object, got []'],
    ['null', null, 'block #2 must be an object, got null'],
    ['a number', 7, 'block #2 must be an object, got 7'],
    ['a string', '{"number":1}', 'block #2 must be an object, got "{\\"number\\":1}"'],
  ])('refuses a block that is %s', (_label, raw, message) => {
    const error = errorOf(() => parseBlock(raw, { index: 1 }));
    expect(error.message).toBe(message);
    expect(error.location).toEqual({ blockIndex: 1, line: undefined });
  });
});

describe('BlockSequenceChecker', () => {
  const blockNumbered = (number: number): Block => ({ number, events: [] });

  it('accepts strictly increasing numbers, with gaps, and counts them', () => {
    const checker = new BlockSequenceChecker();
    expect(checker.lastBlock).toBeUndefined();
    expect(checker.blockCount).toBe(0);
    [0, 1, 5, 100].forEach((number, index) => checker.accept(blockNumbered(number), { index }));
    expect(checker.lastBlock).toBe(100);
    expect(checker.blockCount).toBe(4);
  });

  it('refuses a decreasing number, naming both blocks', () => {
    const checker = new BlockSequenceChecker();
    checker.accept(blockNumbered(7), { index: 0 });
    const error = errorOf(() => checker.accept(blockNumbered(5), { index: 1, line: 2 }));
    expect(error.message).toBe('block 5 (line 2): block numbers must be strictly increasing, but block 5 comes after block 7');
    expect(error.location).toEqual({ blockIndex: 1, blockNumber: 5, field: 'number', line: 2 });
  });

  it('refuses a repeated number', () => {
    const checker = new BlockSequenceChecker();
    checker.accept(blockNumbered(7), { index: 0 });
    const error = errorOf(() => checker.accept(blockNumbered(7), { index: 1 }));
    expect(error.message).toBe('block 7: block numbers must be strictly increasing, but block 7 repeats block 7');
    expect(error.location).toEqual({ blockIndex: 1, blockNumber: 7, field: 'number', line: undefined });
  });

  it('does not count a refused block', () => {
    const checker = new BlockSequenceChecker();
    checker.accept(blockNumbered(3), { index: 0 });
    errorOf(() => checker.accept(blockNumbered(2), { index: 1 }));
    expect(checker.blockCount).toBe(1);
    expect(checker.lastBlock).toBe(3);
  });

  describe('checkToBlock', () => {
    it('accepts toBlock at or above the last block', () => {
      const checker = new BlockSequenceChecker();
      checker.accept(blockNumbered(10), { index: 0 });
      expect(checker.checkToBlock(10)).toBe(10);
      expect(checker.checkToBlock(120)).toBe(120);
    });

    it('accepts any valid toBlock for a file without blocks', () => {
      expect(new BlockSequenceChecker().checkToBlock(0)).toBe(0);
    });

    it('refuses toBlock below the last block', () => {
      const checker = new BlockSequenceChecker();
      checker.accept(blockNumbered(10), { index: 0 });
      const error = errorOf(() => checker.checkToBlock(9));
      expect(error.message).toBe('field "toBlock" (9) is below the last block of the file (10)');
      expect(error.location).toEqual({ blockNumber: 10, field: 'toBlock' });
    });

    it.each([[-1], [2.5], ['120'], [null]])('refuses a malformed toBlock %p', (toBlock) => {
      const error = errorOf(() => new BlockSequenceChecker().checkToBlock(toBlock));
      expect(error.message).toBe(`field "toBlock" must be a block number (a non-negative integer), got ${JSON.stringify(toBlock)}`);
      expect(error.location).toEqual({ field: 'toBlock' });
    });
  });
});
