import { createHash } from 'node:crypto';
import { Block, parseBlock } from '@bqm/domain';
import { blockDigest, canonicalBlockJson, canonicalJson, digestOf } from './canonical';

describe('canonicalJson', () => {
  it('sorts object keys at every depth and writes no whitespace', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: null } })).toBe('{"a":{"c":null,"d":[3,{"y":2,"z":1}]},"b":1}');
  });

  it('orders keys by UTF-16 code units, integer-like keys included', () => {
    expect(canonicalJson({ b: 1, 10: 1, 2: 1, B: 1, é: 1, _: 1 })).toBe('{"10":1,"2":1,"B":1,"_":1,"b":1,"é":1}');
  });

  it('writes like JSON.stringify otherwise', () => {
    const value = { s: 'é"\\\n\u2028😀', n: -0, f: 1.5e300, inf: Infinity, u: undefined, fn: () => 1, arr: [undefined, NaN], t: true };
    expect(canonicalJson(value)).toBe(JSON.stringify({ arr: [null, null], f: 1.5e300, inf: null, n: 0, s: value.s, t: true }));
    expect(canonicalJson({ when: new Date(0) })).toBe('{"when":"1970-01-01T00:00:00.000Z"}');
    expect(() => canonicalJson(undefined)).toThrow(TypeError);
    expect(() => canonicalJson({ big: BigInt(1) })).toThrow(TypeError);
  });

  it('keeps a "__proto__" key as a member and never changes its input', () => {
    const parsed = JSON.parse('{"z":1,"__proto__":{"y":1,"x":2},"a":[{"d":1,"c":2}]}');
    const before = JSON.stringify(parsed);
    expect(canonicalJson(parsed)).toBe('{"__proto__":{"x":2,"y":1},"a":[{"c":2,"d":1}],"z":1}');
    expect(JSON.stringify(parsed)).toBe(before);
    expect(Object.keys(parsed)).toEqual(['z', '__proto__', 'a']);
  });

  it('returns the same text for a value already in order', () => {
    const sorted = { a: [1, { b: 2, c: 3 }], d: 'x' };
    expect(canonicalJson(sorted)).toBe(JSON.stringify(sorted));
  });
});

describe('canonicalBlockJson and blockDigest', () => {
  const raw = {
    timestamp: 1700000000,
    events: [{ type: 'OperatorAdded', operatorId: 1, fee: '0', owner: '0xAB' }],
    blockNumber: 7,
    parentHash: `0x${'CD'.repeat(32)}`,
    hash: `0x${'AB'.repeat(32)}`,
    extra: 'not a block field',
  };

  it('writes the block fields only, normalised, keys sorted', () => {
    const block = parseBlock(raw, { index: 0 });
    expect(canonicalBlockJson(block)).toBe(
      `{"events":[{"fee":"0","operatorId":1,"owner":"0xAB","type":"OperatorAdded"}],"hash":"0x${'ab'.repeat(32)}",` +
        `"number":7,"parentHash":"0x${'cd'.repeat(32)}","timestamp":1700000000}`,
    );
    expect(canonicalBlockJson({ number: 0, events: [] })).toBe('{"events":[],"number":0}');
  });

  it('normalises a block built by hand like one parsed', () => {
    const byHand: Block = { number: 7, hash: `0x${'AB'.repeat(32)}`, events: [] };
    expect(canonicalBlockJson(byHand)).toBe(`{"events":[],"hash":"0x${'ab'.repeat(32)}","number":7}`);
  });

  it('digests the canonical text: sha256, first 32 hex digits', () => {
    const block = parseBlock(raw, { index: 0 });
    const text = canonicalBlockJson(block);
    const expected = createHash('sha256').update(text, 'utf8').digest('hex').slice(0, 32);
    expect(blockDigest(block)).toBe(expected);
    expect(digestOf(text)).toBe(expected);
    const reordered = parseBlock(JSON.parse(JSON.stringify({ number: 7, ...raw, blockNumber: undefined })), { index: 3 });
    expect(blockDigest(reordered)).toBe(expected);
    expect(blockDigest({ ...block, events: [] })).not.toBe(expected);
  });
});
