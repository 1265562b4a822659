import {
  Block,
  BlockSequenceChecker,
  EVENT_TYPES,
  InMemoryRegistry,
  parseAddress,
  parseBlock,
  parseValidatorPublicKey,
  REJECTION_CODES,
} from '@bqm/domain';
import { GENESIS_TIMESTAMP, RegistrySimulator, SECONDS_PER_BLOCK, simulateBlocks } from '../index';

type RawEvent = Record<string, unknown>;

/** The events the registry accepted, with the rejections of a replay. */
function replay(blocks: Block[]) {
  const registry = InMemoryRegistry.replay(blocks);
  const rejected = new Set(registry.rejections.map((rejection) => `${rejection.blockNumber}:${rejection.index}`));
  const accepted: RawEvent[] = [];
  let events = 0;
  for (const block of blocks) {
    block.events.forEach((event, index) => {
      events += 1;
      if (!rejected.has(`${block.number}:${index}`)) accepted.push(event as RawEvent);
    });
  }
  return { registry, accepted, events };
}

describe('RegistrySimulator', () => {
  describe('determinism', () => {
    it('gives identical blocks, byte for byte, for the same seed and options', () => {
      const a = new RegistrySimulator({ seed: 7 });
      const b = new RegistrySimulator({ seed: 7 });
      for (let i = 0; i < 2000; i++) {
        expect(JSON.stringify(a.nextBlock())).toBe(JSON.stringify(b.nextBlock()));
      }
    });

    it('gives other blocks for another seed', () => {
      const a = JSON.stringify(simulateBlocks({ seed: 7, blocks: 2000 }));
      const b = JSON.stringify(simulateBlocks({ seed: 8, blocks: 2000 }));
      expect(a).not.toBe(b);
    });

    it('is an iterator that is never done', () => {
      const simulator = new RegistrySimulator({ seed: 1 });
      const numbers: number[] = [];
      for (const block of simulator) {
        numbers.push(block.number);
        if (numbers.length === 5) break;
      }
      expect(numbers).toEqual([1, 2, 3, 4, 5]);
      expect(simulator.next()).toMatchObject({ done: false, value: { number: 6 } });
    });
  });

  describe('over 5,000 blocks with invalidShare 0.05', () => {
    const simulator = new RegistrySimulator({ seed: 20240601, invalidShare: 0.05 });
    const blocks = Array.from({ length: 5000 }, () => simulator.nextBlock());
    const { registry, accepted, events } = replay(blocks);

    it('is rejected with every rejection code of the spec', () => {
      const codes = new Set(registry.rejections.map((rejection) => rejection.code));
      expect([...codes].sort()).toEqual([...REJECTION_CODES].sort());
    });

    it('has about 5% of its events rejected', () => {
      const rejectedShare = registry.rejections.length / events;
      expect(rejectedShare).toBeGreaterThan(0.04);
      expect(rejectedShare).toBeLessThan(0.06);
    });

    it('has every event type of the spec accepted', () => {
      const types = new Set(accepted.map((event) => event['type']));
      expect([...types].sort()).toEqual([...EVENT_TYPES].sort());
    });

    it('registers validators on committees of 4, 7, 10 and 13 operators, ids ascending, mostly 4', () => {
      const registrations = accepted.filter((event) => event['type'] === 'ValidatorAdded');
      const sizes = new Map<number, number>();
      for (const event of registrations) {
        const ids = event['operatorIds'] as number[];
        sizes.set(ids.length, (sizes.get(ids.length) ?? 0) + 1);
        expect(ids.every((id, i) => i === 0 || id > ids[i - 1])).toBe(true);
      }
      expect([...sizes.keys()].sort((a, b) => a - b)).toEqual([4, 7, 10, 13]);
      expect(sizes.get(4)! / registrations.length).toBeGreaterThan(0.6);
    });

    it('carries realistic values', () => {
      for (const event of accepted) {
        if (event['type'] === 'ValidatorAdded') {
          expect(parseValidatorPublicKey(event['publicKey'])).toBe(event['publicKey']);
          const shares = event['shares'] as string;
          expect(shares).toMatch(/^0x[0-9a-f]+$/);
          expect(shares.length).toBe(2 + 2 * (96 + (event['operatorIds'] as number[]).length * (48 + 256)));
          expect(event['cluster']).toMatchObject({ validatorCount: expect.any(Number), active: true, balance: expect.stringMatching(/^\d+$/) });
        }
        if (event['type'] === 'OperatorAdded') {
          const pem = Buffer.from(event['publicKey'] as string, 'base64').toString('latin1');
          expect(pem).toMatch(/^-----BEGIN RSA PUBLIC KEY-----\nMIIBIjAN[\s\S]+IDAQAB\n-----END RSA PUBLIC KEY-----\n$/);
          expect(event['fee']).toMatch(/^\d+$/);
        }
        if ('owner' in event) expect(parseAddress(event['owner'])).toBe((event['owner'] as string).toLowerCase());
      }
    });

    it('mixes owners: a few own many validators, most own a few', () => {
      const counts = registry
        .collections()
        .accounts.map((account) => account.validatorCount)
        .filter((count) => count > 0)
        .sort((a, b) => b - a);
      expect(counts.length).toBeGreaterThan(100);
      expect(counts[0]).toBeGreaterThan(200);
      expect(counts[Math.floor(counts.length / 2)]).toBeLessThan(10);
    });

    it('leaves about the requested share of blocks empty', () => {
      const empty = blocks.filter((block) => block.events.length === 0).length / blocks.length;
      expect(empty).toBeGreaterThan(0.15);
      expect(empty).toBeLessThan(0.25);
    });

    it('gets the same verdicts once written as JSON and read back', () => {
      const fromJson = InMemoryRegistry.replay(JSON.parse(JSON.stringify(blocks)) as Block[]);
      expect(fromJson.rejections).toEqual(registry.rejections);
      expect(fromJson.collections(true)).toEqual(registry.collections(true));
    });

    it('reports the size of the state the blocks build', () => {
      const state = registry.collections();
      expect(simulator.stats()).toEqual({
        lastBlock: 5000,
        blocks: 5000,
        events,
        rejectedEvents: registry.rejections.length,
        operators: state.operators.length,
        validators: state.validators.length,
        clusters: state.clusters.length,
        accounts: state.accounts.length,
      });
    });
  });

  it('with invalidShare 0, has every event accepted', () => {
    const blocks = simulateBlocks({ seed: 99, blocks: 4000, invalidShare: 0 });
    const { registry, events } = replay(blocks);
    expect(events).toBeGreaterThan(4000);
    expect(registry.rejections).toEqual([]);
  });

  describe('blocks', () => {
    it('pass parseBlock, with numbers strictly increasing and hashes chained, 12 s apart', () => {
      const blocks = simulateBlocks({ seed: 3, blocks: 1500, startBlock: 1000 });
      const checker = new BlockSequenceChecker();
      blocks.forEach((block, index) => {
        const parsed = parseBlock(JSON.parse(JSON.stringify(block)), { index });
        checker.accept(parsed, { index });
        expect(parsed).toEqual(block);
        expect(block.number).toBe(1000 + index);
        expect(block.hash).toMatch(/^0x[0-9a-f]{64}$/);
        expect(block.timestamp).toBe(GENESIS_TIMESTAMP + block.number * SECONDS_PER_BLOCK);
        if (index > 0) expect(block.parentHash).toBe(blocks[index - 1].hash);
      });
      expect(new Set(blocks.map((block) => block.hash)).size).toBe(blocks.length);
    });

    it('derive hashes from the seed and the number only', () => {
      const [first] = simulateBlocks({ seed: 3, blocks: 1, startBlock: 1200 });
      const later = simulateBlocks({ seed: 3, blocks: 300, startBlock: 1000 });
      expect(first.hash).toBe(later[200].hash);
      expect(first.parentHash).toBe(later[199].hash);
      expect(simulateBlocks({ seed: 4, blocks: 1, startBlock: 1200 })[0].hash).not.toBe(first.hash);
    });

    it('start with a burst of operators, then registrations', () => {
      const blocks = simulateBlocks({ seed: 5, blocks: 30, invalidShare: 0 });
      const added = blocks.slice(0, 5).flatMap((block) => block.events as RawEvent[]);
      expect(added.length).toBeGreaterThanOrEqual(30);
      expect(added.every((event) => event['type'] === 'OperatorAdded')).toBe(true);
      const later = blocks.slice(5).flatMap((block) => block.events as RawEvent[]);
      expect(later.some((event) => event['type'] === 'ValidatorAdded')).toBe(true);
    });

    it('leave out hashes and timestamps when asked', () => {
      const blocks = simulateBlocks({ seed: 3, blocks: 20, withHashes: false });
      for (const block of blocks) expect(Object.keys(block)).toEqual(['number', 'events']);
    });

    it('carry short shares when asked', () => {
      const blocks = simulateBlocks({ seed: 3, blocks: 50, compactShares: true, invalidShare: 0 });
      const shares = blocks.flatMap((block) => block.events as RawEvent[]).filter((event) => event['type'] === 'ValidatorAdded');
      expect(shares.length).toBeGreaterThan(0);
      for (const event of shares) expect(event['shares']).toMatch(/^0x[0-9a-f]{64}$/);
    });
  });

  it('refuses options out of range', () => {
    expect(() => new RegistrySimulator({ seed: 1.5 })).toThrow(RangeError);
    expect(() => new RegistrySimulator({ seed: 1, invalidShare: 2 })).toThrow(RangeError);
    expect(() => new RegistrySimulator({ seed: 1, emptyBlockShare: -0.1 })).toThrow(RangeError);
    expect(() => new RegistrySimulator({ seed: 1, startBlock: -1 })).toThrow(RangeError);
    expect(() => new RegistrySimulator({ seed: 1, validatorsPerBlock: Number.NaN })).toThrow(RangeError);
  });

  it('grows to thousands of validators over 20,000 blocks', () => {
    const simulator = new RegistrySimulator({ seed: 1, compactShares: true });
    for (let i = 0; i < 20000; i++) simulator.nextBlock();
    const stats = simulator.stats();
    expect(stats.validators).toBeGreaterThan(10000);
    expect(stats.operators).toBeGreaterThan(200);
    expect(stats.clusters).toBeGreaterThan(1000);
    expect(stats.accounts).toBeGreaterThan(1000);
  }, 30000);
});
