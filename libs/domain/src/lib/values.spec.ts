import {
  describeValue,
  isValueError,
  parseAddress,
  parseAmount,
  parseBlockNumber,
  parseBoolean,
  parseHash,
  parseOperatorId,
  parseOperatorIds,
  parseOperatorPublicKey,
  parseTimestamp,
  parseValidatorPublicKey,
  ValueError,
} from './values';
import { UINT256_MAX } from '../testing/builders';

/** The `expected` text of a parser's error, failing the test if it parsed. */
function expectedOf(parsed: unknown): string {
  if (!isValueError(parsed)) throw new Error(`expected a ValueError, got ${JSON.stringify(parsed)}`);
  return parsed.expected;
}

describe('isValueError', () => {
  it('recognises only ValueError instances', () => {
    expect(isValueError(new ValueError('x'))).toBe(true);
    expect(isValueError({ expected: 'x' })).toBe(false);
    expect(isValueError('x')).toBe(false);
    expect(isValueError(undefined)).toBe(false);
  });
});

describe('parseAddress', () => {
  it('lowercases a mixed-case address', () => {
    expect(parseAddress('0xABCDEFabcdef0123456789ABCDEFabcdef012345')).toBe('0xabcdefabcdef0123456789abcdefabcdef012345');
  });

  it.each([
    ['too short', `0x${'a'.repeat(39)}`],
    ['too long', `0x${'a'.repeat(41)}`],
    ['without 0x', 'a'.repeat(42)],
    ['with an uppercase 0X', `0X${'a'.repeat(40)}`],
    ['with a non-hex digit', `0x${'g'.repeat(40)}`],
    ['with surrounding spaces', ` 0x${'a'.repeat(40)} `],
    ['empty', ''],
  ])('refuses an address %s', (_label, value) => {
    expect(expectedOf(parseAddress(value))).toBe('an address (0x followed by 40 hex digits)');
  });

  it.each([[undefined], [null], [42], [['0x' + 'a'.repeat(40)]]])('refuses a non-string %p', (value) => {
    expect(isValueError(parseAddress(value))).toBe(true);
  });
});

describe('parseValidatorPublicKey', () => {
  it('lowercases a 48-byte key', () => {
    expect(parseValidatorPublicKey(`0x${'AB'.repeat(48)}`)).toBe(`0x${'ab'.repeat(48)}`);
  });

  it.each([
    ['47 bytes', `0x${'ab'.repeat(47)}`],
    ['49 bytes', `0x${'ab'.repeat(49)}`],
    ['an odd digit count', `0x${'a'.repeat(95)}`],
    ['no 0x', 'ab'.repeat(49)],
    ['a non-hex digit', `0x${'z'.repeat(96)}`],
  ])('refuses a key of %s', (_label, value) => {
    expect(expectedOf(parseValidatorPublicKey(value))).toBe('a validator public key (0x followed by 96 hex digits)');
  });

  it('refuses a non-string', () => {
    expect(isValueError(parseValidatorPublicKey(123))).toBe(true);
  });
});

describe('parseOperatorPublicKey', () => {
  it('keeps any non-empty string exactly as given', () => {
    expect(parseOperatorPublicKey('LS0tLS1CRUdJTiBSU0Eg')).toBe('LS0tLS1CRUdJTiBSU0Eg');
    expect(parseOperatorPublicKey(' Mixed Case ')).toBe(' Mixed Case ');
  });

  it.each([[''], [undefined], [null], [7], [{}]])('refuses %p', (value) => {
    expect(expectedOf(parseOperatorPublicKey(value))).toBe('a non-empty string');
  });
});

describe('parseOperatorId', () => {
  it.each([
    [1, 1],
    [42, 42],
    [Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
    ['1', 1],
    ['17', 17],
    ['007', 7],
    [String(Number.MAX_SAFE_INTEGER), Number.MAX_SAFE_INTEGER],
  ])('accepts %p as %p', (value, id) => {
    expect(parseOperatorId(value)).toBe(id);
  });

  it.each([
    [0],
    [-1],
    [1.5],
    [Number.MAX_SAFE_INTEGER + 1],
    [NaN],
    [Infinity],
    ['0'],
    ['-3'],
    ['1.0'],
    ['1e3'],
    [' 1'],
    [''],
    ['0x10'],
    [String(Number.MAX_SAFE_INTEGER + 1)],
    [null],
    [undefined],
    [true],
    [[1]],
  ])('refuses %p', (value) => {
    expect(expectedOf(parseOperatorId(value))).toBe('an operator id (an integer ≥ 1)');
  });
});

describe('parseOperatorIds', () => {
  it('parses every id, keeping the given order and repeats', () => {
    expect(parseOperatorIds([3, '1', 2, 2])).toEqual([3, 1, 2, 2]);
  });

  it('accepts an empty array (the rules judge its length)', () => {
    expect(parseOperatorIds([])).toEqual([]);
  });

  it('refuses a non-array', () => {
    expect(expectedOf(parseOperatorIds('1,2,3,4'))).toBe('an array of operator ids');
    expect(expectedOf(parseOperatorIds(undefined))).toBe('an array of operator ids');
    expect(expectedOf(parseOperatorIds({ 0: 1 }))).toBe('an array of operator ids');
  });

  it('refuses an array with one bad id', () => {
    expect(expectedOf(parseOperatorIds([1, 2, 0, 4]))).toBe('an array of operator ids (integers ≥ 1)');
    expect(expectedOf(parseOperatorIds([1, 2, 'x', 4]))).toBe('an array of operator ids (integers ≥ 1)');
  });
});

describe('parseAmount', () => {
  it.each([
    ['0', '0'],
    ['123', '123'],
    ['000123', '123'],
    ['0000', '0'],
    [UINT256_MAX, UINT256_MAX],
    [`000${UINT256_MAX}`, UINT256_MAX],
    [0, '0'],
    [12, '12'],
    [Number.MAX_SAFE_INTEGER, '9007199254740991'],
  ])('accepts %p as the canonical %p', (value, amount) => {
    expect(parseAmount(value)).toBe(amount);
  });

  it('refuses uint256 max + 1', () => {
    expect(expectedOf(parseAmount('115792089237316195423570985008687907853269984665640564039457584007913129639936'))).toBe(
      'an amount (a uint256 decimal string)',
    );
  });

  it.each([['-1'], ['1.5'], ['1e18'], ['0x10'], [''], [' 1'], ['+1']])('refuses the string %p', (value) => {
    expect(expectedOf(parseAmount(value))).toBe('an amount (a uint256 decimal string)');
  });

  it.each([[Number.MAX_SAFE_INTEGER + 1], [1e21], [1.5], [-1], [NaN], [Infinity]])('refuses the unsafe or negative number %p', (value) => {
    expect(expectedOf(parseAmount(value))).toBe('an amount (a non-negative integer; large values as decimal strings)');
  });

  it.each([[null], [undefined], [true], [[1]], [{ value: '1' }]])('refuses %p', (value) => {
    expect(isValueError(parseAmount(value))).toBe(true);
  });
});

describe('parseBoolean', () => {
  it('accepts booleans only', () => {
    expect(parseBoolean(true)).toBe(true);
    expect(parseBoolean(false)).toBe(false);
    expect(expectedOf(parseBoolean('true'))).toBe('true or false');
    expect(expectedOf(parseBoolean(1))).toBe('true or false');
    expect(expectedOf(parseBoolean(undefined))).toBe('true or false');
  });
});

describe('parseBlockNumber', () => {
  it.each([[0], [1], [Number.MAX_SAFE_INTEGER]])('accepts %p', (value) => {
    expect(parseBlockNumber(value)).toBe(value);
  });

  it.each([[-1], [1.5], [Number.MAX_SAFE_INTEGER + 1], ['7'], [null], [undefined], [NaN]])('refuses %p', (value) => {
    expect(expectedOf(parseBlockNumber(value))).toBe('a block number (a non-negative integer)');
  });
});

describe('parseHash', () => {
  it('lowercases a 32-byte hash', () => {
    expect(parseHash(`0x${'AB'.repeat(32)}`)).toBe(`0x${'ab'.repeat(32)}`);
  });

  it.each([[`0x${'a'.repeat(63)}`], [`0x${'a'.repeat(65)}`], ['a'.repeat(64)], [`0x${'g'.repeat(64)}`], [42]])('refuses %p', (value) => {
    expect(expectedOf(parseHash(value))).toBe('a 32-byte hex hash (0x followed by 64 hex digits)');
  });
});

describe('parseTimestamp', () => {
  it('accepts non-negative safe integers', () => {
    expect(parseTimestamp(0)).toBe(0);
    expect(parseTimestamp(1700000000)).toBe(1700000000);
  });

  it.each([[-1], [1.5], ['1700000000'], [Number.MAX_SAFE_INTEGER + 1]])('refuses %p', (value) => {
    expect(expectedOf(parseTimestamp(value))).toBe('a timestamp in seconds (a non-negative integer)');
  });
});

describe('describeValue', () => {
  it('renders values as JSON', () => {
    expect(describeValue('abc')).toBe('"abc"');
    expect(describeValue(12)).toBe('12');
    expect(describeValue(null)).toBe('null');
    expect(describeValue({ a: [1] })).toBe('{"a":[1]}');
  });

  it('says "nothing" for undefined', () => {
    expect(describeValue(undefined)).toBe('nothing');
  });

  it('falls back to String for what JSON cannot render', () => {
    expect(describeValue(10n)).toBe('10');
    const cyclic: Record<string, unknown> = {};
    cyclic['self'] = cyclic;
    expect(describeValue(cyclic)).toBe('[object Object]');
    expect(describeValue(Symbol('s'))).toBe('Symbol(s)');
  });

  it('cuts long values to 80 characters', () => {
    const text = describeValue('x'.repeat(200));
    expect(text).toHaveLength(80);
    expect(text).toBe(`"${'x'.repeat(76)}...`);
  });
});
