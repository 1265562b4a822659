import { BlockFileError, InMemoryRegistry, UNDECODABLE } from '@bqm/domain';
import { encodeAbiParameters, keccak256, toHex } from 'viem';
import { encodeLog, hash, OTHER, RawLogJson } from '../testing/encode-log';
import { LogBlock, LogBlockAssembler, LogBlockAssemblerOptions } from './assembler';

const hex = (n: number) => `0x${n.toString(16)}`;

/** An OperatorRemoved log: its operatorId tells the logs apart in the assertions. */
function removal(
  id: number,
  block: number,
  position: { tx?: number; log?: number } = {},
  extra: Partial<RawLogJson> = {},
) {
  return encodeLog(
    'OperatorRemoved',
    { operatorId: BigInt(id) },
    {
      blockNumber: hex(block),
      blockHash: hash(`block ${block}`),
      transactionHash: hash(`tx ${id}`),
      transactionIndex: position.tx === undefined ? undefined : hex(position.tx),
      logIndex: position.log === undefined ? undefined : hex(position.log),
      ...extra,
    },
  );
}

const foreign = (block: number, extra: Partial<RawLogJson> = {}): RawLogJson => ({
  ...removal(999, block),
  topics: [keccak256(toHex('Transfer(address,address,uint256)')), hash('from'), hash('to')],
  ...extra,
});

const ids = (result: LogBlock) => result.block.events.map((event) => (event as { operatorId: number }).operatorId);

/** Feeds logs one by one; returns what each push returned, then what finish returned. */
function run(logs: unknown[], options?: LogBlockAssemblerOptions) {
  const assembler = new LogBlockAssembler(options);
  const perPush = logs.map((log) => assembler.push(log));
  const atEnd = assembler.finish();
  return { assembler, perPush, atEnd, blocks: [...perPush.flat(), ...atEnd] };
}

function refusal(logs: unknown[], options?: LogBlockAssemblerOptions): BlockFileError {
  try {
    run(logs, options);
  } catch (error) {
    expect(error).toBeInstanceOf(BlockFileError);
    return error as BlockFileError;
  }
  throw new Error('expected a BlockFileError');
}

describe('LogBlockAssembler', () => {
  it('groups logs by block number and streams each block out when the next one starts', () => {
    const { perPush, atEnd, blocks, assembler } = run([removal(1, 10), removal(2, 10), removal(3, 11), removal(4, 13)]);
    expect(perPush.map((done) => done.map((b) => b.block.number))).toEqual([[], [], [10], [11]]);
    expect(atEnd.map((b) => b.block.number)).toEqual([13]);
    expect(blocks.map((b) => [b.block.number, ids(b)])).toEqual([
      [10, [1, 2]],
      [11, [3]],
      [13, [4]],
    ]);
    expect(blocks[0].block).toEqual({
      number: 10,
      hash: hash('block 10'),
      events: [
        { type: 'OperatorRemoved', operatorId: 1 },
        { type: 'OperatorRemoved', operatorId: 2 },
      ],
    });
    expect(blocks[0]).toMatchObject({
      logCount: 2,
      eventCount: 2,
      ignoredCount: 0,
      invalidCount: 0,
      removedLogCount: 0,
    });
    expect(assembler).toMatchObject({ logCount: 4, eventCount: 4, blockCount: 3, ignoredCount: 0 });
  });

  it('orders the events of a block by (transactionIndex, logIndex), a missing index counting as 0', () => {
    const { blocks } = run([
      removal(1, 5, { tx: 2, log: 9 }),
      removal(2, 5, { tx: 0, log: 4 }),
      removal(3, 5, { tx: 1, log: 6 }),
      removal(4, 5, { tx: 0, log: 1 }),
      removal(5, 5, {}), // no indexes: (0, 0)
      removal(6, 5, { tx: 1, log: 5 }),
      removal(7, 5, { tx: 10, log: 10 }), // numeric, not string, order
    ]);
    expect(blocks.map(ids)).toEqual([[5, 4, 2, 6, 3, 1, 7]]);
  });

  it('keeps removed logs out of the events and counts them per block', () => {
    const { blocks, assembler } = run([
      removal(1, 20, { log: 0 }),
      // a reorged-out copy of the block: other hash, marked removed; its hash is not checked
      removal(2, 20, { log: 1 }, { removed: true, blockHash: hash('orphan') }),
      removal(3, 21, { log: 0 }, { removed: true }),
    ]);
    expect(blocks.map((b) => [b.block.number, ids(b), b.removedLogCount, b.logCount])).toEqual([
      [20, [1], 1, 2],
      [21, [], 1, 1],
    ]);
    expect(blocks[0].block.hash).toBe(hash('block 20'));
    expect(blocks[1].block).toEqual({ number: 21, events: [] });
    expect(assembler.removedLogCount).toBe(2);
  });

  it('yields a block whose logs are all ignored, with no events, and counts ignored logs', () => {
    const { blocks, assembler } = run([removal(1, 30), foreign(31), foreign(31), removal(2, 32)]);
    expect(blocks.map((b) => [b.block.number, ids(b), b.ignoredCount])).toEqual([
      [30, [1], 0],
      [31, [], 2],
      [32, [2], 0],
    ]);
    expect(blocks[1].block).toEqual({ number: 31, hash: hash('block 31'), events: [] });
    expect(assembler.ignoredCount).toBe(2);
  });

  it('ignores the logs of other addresses when asked to', () => {
    const logs = [removal(1, 40), removal(2, 40, {}, { address: OTHER })];
    const { blocks, assembler } = run(logs, { addresses: [OTHER.toUpperCase().replace('0X', '0x')] });
    expect(blocks.map((b) => [ids(b), b.ignoredCount])).toEqual([[[2], 1]]);
    expect(assembler.ignoredCount).toBe(1);
  });

  it('puts an undecodable log in the events, where the domain rejects it with InvalidEvent', () => {
    const broken = removal(2, 50, { log: 1 });
    const { blocks } = run([removal(1, 50, { log: 0 }), { ...broken, topics: broken.topics.slice(0, 1) }]);
    expect(blocks[0]).toMatchObject({ eventCount: 2, invalidCount: 1 });
    expect(blocks[0].block.events[1]).toEqual({
      type: 'OperatorRemoved',
      [UNDECODABLE]: expect.stringContaining(broken.transactionHash!),
    });
    const outcome = new InMemoryRegistry().applyBlock(blocks[0].block);
    expect(outcome.rejections.map((r) => [r.index, r.code])).toEqual([
      [0, 'OperatorDoesNotExist'],
      [1, 'InvalidEvent'],
    ]);
  });

  it('refuses logs of one block with different blockHashes, naming the log and the field', () => {
    const second = removal(2, 60, { log: 7 }, { blockHash: hash('another') });
    const e = refusal([removal(1, 60, { log: 0 }), second]);
    expect(e.message).toContain('log #2');
    expect(e.message).toContain(second.transactionHash!);
    expect(e.message).toContain('logIndex 7');
    expect(e.message).toContain('field "blockHash"');
    expect(e.message).toContain('log #1');
    expect(e.location).toMatchObject({ blockNumber: 60, field: 'blockHash' });
  });

  it('takes the hash from the logs that have one', () => {
    const { blocks } = run([removal(1, 61, {}, { blockHash: undefined }), removal(2, 61)]);
    expect(blocks[0].block.hash).toBe(hash('block 61'));
  });

  it('refuses unsorted logs by default, with a clear message', () => {
    const late = removal(3, 70, { log: 2 });
    const e = refusal([removal(1, 70), removal(2, 71), late]);
    expect(e.message).toContain('log #3');
    expect(e.message).toContain(late.transactionHash!);
    expect(e.message).toMatch(/field "blockNumber": block 70 comes after block 71; the logs of a file must be sorted/);
  });

  it('accepts any block order when asked to buffer the whole file', () => {
    const logs = [removal(1, 72), removal(2, 70), removal(3, 71), removal(4, 70)];
    const { perPush, atEnd } = run(logs, { unsorted: 'buffer' });
    expect(perPush.flat()).toEqual([]);
    expect(atEnd.map((b) => [b.block.number, ids(b)])).toEqual([
      [70, [2, 4]],
      [71, [3]],
      [72, [1]],
    ]);
  });

  it('refuses a value that is not a log, naming its place in the file', () => {
    const e = refusal([removal(1, 80), { number: 81, events: [] }]);
    expect(e.message).toMatch(/^log #2: not a log/);
    const bad = refusal([removal(1, 80), { ...removal(2, 80, { log: 5 }), data: 'zz' }]);
    expect(bad.message).toContain('log #2');
    expect(bad.message).toContain('logIndex "0x5"');
    expect(bad.message).toContain('field "data"');
    expect(bad.location).toMatchObject({ field: 'data' });
  });

  describe('a log given twice', () => {
    it('takes identical copies of a log once, counting the copies (overlapping eth_getLogs pages end to end)', () => {
      const page1 = [removal(1, 90, { tx: 0, log: 0 }), removal(2, 90, { tx: 0, log: 1 }), foreign(90, { logIndex: '0x2' })];
      const page2 = [...page1, removal(3, 91, { tx: 0, log: 0 })];
      const { blocks, assembler } = run([...page1, ...page2]);
      expect(blocks.map((b) => [b.block.number, ids(b), b.logCount, b.ignoredCount, b.duplicateCount])).toEqual([
        [90, [1, 2], 6, 1, 3],
        [91, [3], 1, 0, 0],
      ]);
      expect(assembler).toMatchObject({ logCount: 7, ignoredCount: 1, duplicateCount: 3, eventCount: 3 });
      // Applied once: the second OperatorAdded of a copy would be rejected (OperatorAlreadyExists).
      const publicKey = encodeAbiParameters([{ type: 'string' }], ['LS0tLS1CRUdJTiBSU0Eg']);
      const added = encodeLog('OperatorAdded', { operatorId: 7n, owner: OTHER, publicKey, fee: 0n }, { logIndex: '0x0' });
      const once = run([added, { ...added, address: added.address.toLowerCase() }]).blocks[0];
      expect(once.block.events).toHaveLength(1);
      expect(new InMemoryRegistry().applyBlock(once.block).rejections).toEqual([]);
    });

    it('takes copies once whatever the order of the blocks when buffering', () => {
      const logs = [removal(1, 92, { log: 0 }), removal(2, 93, { log: 0 }), removal(1, 92, { log: 0 })];
      const { blocks, assembler } = run(logs, { unsorted: 'buffer' });
      expect(blocks.map((b) => [b.block.number, ids(b), b.duplicateCount])).toEqual([
        [92, [1], 1],
        [93, [2], 0],
      ]);
      expect(assembler.duplicateCount).toBe(1);
    });

    it('refuses two different logs at one block and logIndex, naming the logs, the block and the logIndex', () => {
      const first = removal(1, 94, { tx: 0, log: 5 });
      for (const [field, other] of [
        ['data', { ...first, data: `0x${'00'.repeat(32)}` }],
        ['transactionHash', removal(1, 94, { tx: 0, log: 5 }, { transactionHash: hash('another tx') })],
        ['transactionIndex', removal(1, 94, { tx: 1, log: 5 })],
        ['topics', foreign(94, { logIndex: '0x5', transactionIndex: '0x0', data: first.data })],
        ['address', { ...first, address: OTHER }],
      ] as const) {
        const e = refusal([removal(3, 94, { tx: 0, log: 1 }), first, other]);
        expect(e.message).toBe(
          `log #3 (block 94, tx ${other.transactionHash}, logIndex 5): log #2 is another log at block 94, logIndex 5, ` +
            `with a different "${field}"; a logIndex is unique within a block (identical copies of a log are taken once)`,
        );
        expect(e.location).toEqual({ blockNumber: 94, field: 'logIndex', line: undefined });
      }
      // With the same hash check as any log of the block first.
      const reorged = refusal([first, { ...first, blockHash: hash('another block 94') }]);
      expect(reorged.location).toMatchObject({ field: 'blockHash' });
    });

    it('leaves removed logs out: a removed log and the log that took its place share a logIndex', () => {
      const gone = removal(1, 95, { log: 0 }, { removed: true, blockHash: hash('orphan 95') });
      const { blocks, assembler } = run([gone, removal(2, 95, { log: 0 }), gone, removal(2, 95, { log: 0 })]);
      expect(blocks.map((b) => [ids(b), b.removedLogCount, b.duplicateCount, b.block.hash])).toEqual([[[2], 2, 1, hash('block 95')]]);
      expect(assembler.removedLogCount).toBe(2);
    });

    it('cannot tell logs without a logIndex apart: takes them all', () => {
      const { blocks } = run([removal(1, 96), removal(1, 96)]);
      expect(blocks.map((b) => [ids(b), b.duplicateCount])).toEqual([[[1, 1], 0]]);
    });
  });

  it('shows a log index JSON.parse rounded as the file wrote it', () => {
    const assembler = new LogBlockAssembler();
    const broken = { ...removal(1, 97), logIndex: JSON.parse('18446744073709551615') as number, data: 'zz' };
    expect(() => assembler.push(broken, { index: 0 }, (field) => (field === 'logIndex' ? '18446744073709551615' : undefined))).toThrow(
      `log #1 (tx "${broken.transactionHash}", logIndex 18446744073709551615): field "data" must be hex data`,
    );
  });

  it('uses the position the caller gives (line of an NDJSON file)', () => {
    const assembler = new LogBlockAssembler();
    expect(() => assembler.push({ nope: true }, { index: 4, line: 9 })).toThrow(/^log #5 at line 9: not a log/);
  });

  it('yields nothing for an empty file', () => {
    expect(run([]).blocks).toEqual([]);
  });
});
