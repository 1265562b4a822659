import { blockHash, Random } from './random';
import { randomAddress, randomOperatorKey, randomValidatorKey } from './values';

describe('Random', () => {
  it('gives the same stream for the same seed, another for another seed', () => {
    const draw = (seed: number) => {
      const rng = new Random(seed);
      return Array.from({ length: 50 }, () => rng.uint32());
    };
    expect(draw(42)).toEqual(draw(42));
    expect(draw(42)).not.toEqual(draw(43));
    expect(draw(2 ** 40)).not.toEqual(draw(0));
    expect(draw(-1)).not.toEqual(draw(1));
  });

  it('draws uniform integers within bounds', () => {
    const rng = new Random(1);
    const counts = new Array(10).fill(0);
    for (let i = 0; i < 100_000; i++) counts[rng.int(0, 9)] += 1;
    for (const count of counts) expect(Math.abs(count - 10_000)).toBeLessThan(500);
    for (let i = 0; i < 1000; i++) {
      const value = rng.float();
      expect(value >= 0 && value < 1).toBe(true);
    }
  });

  it('draws Poisson counts with the requested mean', () => {
    const rng = new Random(2);
    let sum = 0;
    for (let i = 0; i < 50_000; i++) sum += rng.poisson(1.5);
    expect(sum / 50_000).toBeCloseTo(1.5, 1);
  });

  it('refuses a seed that is not a safe integer', () => {
    expect(() => new Random(0.5)).toThrow(RangeError);
    expect(() => new Random(Number.MAX_SAFE_INTEGER + 2)).toThrow(RangeError);
  });
});

describe('values', () => {
  const rng = new Random(9);

  it('makes block hashes from seed and number alone', () => {
    expect(blockHash(1, 10)).toMatch(/^0x[0-9a-f]{64}$/);
    expect(blockHash(1, 10)).toBe(blockHash(1, 10));
    expect(blockHash(1, 10)).not.toBe(blockHash(1, 11));
    expect(blockHash(1, 10)).not.toBe(blockHash(2, 10));
  });

  it('makes mixed-case addresses, compressed BLS keys and base64 PEM operator keys', () => {
    expect(randomAddress(rng)).toMatch(/^0x[0-9a-fA-F]{40}$/);
    expect(randomValidatorKey(rng)).toMatch(/^0x[89ab][0-9a-f]{95}$/);
    const key = randomOperatorKey(rng);
    expect(key.startsWith('LS0tLS1CRUdJTiBSU0EgUFVCTElDIEtFWS0tLS0t')).toBe(true);
    const pem = Buffer.from(key, 'base64').toString('latin1');
    const der = Buffer.from(pem.split('\n').slice(1, -2).join(''), 'base64');
    expect(der.length).toBe(294);
    expect(der.subarray(0, 4).toString('hex')).toBe('30820122');
  });
});
