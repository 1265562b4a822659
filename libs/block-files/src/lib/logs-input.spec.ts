import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BlockFileError, InMemoryRegistry, UNDECODABLE } from '@bqm/domain';
import {
  blockHash,
  CONTRACT,
  encodeLog,
  hash,
  ndjson,
  operatorKey,
  operatorRemoved,
  OTHER_CONTRACT,
  OTHER_OWNER,
  OWNER,
  RawLogJson,
  rpcResponse,
  transferLog,
} from '../testing/logs';
import { BlockFileReader, BlockFileReaderOptions, BlockFileSummary, checkBlockFile, ReadBlock } from './block-file-reader';
import { blockDigest, canonicalBlockJson } from './canonical';

/** Chunk sizes that put chunk boundaries everywhere, as for native files. */
const CHUNK_SIZES = [1, 2, 3, 5, 7, 64, undefined];

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'block-files-logs-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** Writes a file of the temp dir; a value that is not a string is written as compact JSON. */
function write(name: string, content: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

async function readAll(path: string, options?: BlockFileReaderOptions): Promise<{ blocks: ReadBlock[]; summary: BlockFileSummary }> {
  const reader = new BlockFileReader(path, options);
  const blocks: ReadBlock[] = [];
  for await (const read of reader.blocks()) blocks.push(read);
  return { blocks, summary: reader.summary() };
}

/** The message of the BlockFileError the file is refused with: the same at every chunk size, and from checkBlockFile. */
async function refusal(path: string, options: BlockFileReaderOptions = {}): Promise<string> {
  const messages = new Set<string>();
  for (const chunkSize of CHUNK_SIZES) {
    const error = await readAll(path, { ...options, chunkSize }).then(
      () => new Error(`${path} was not refused`),
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(BlockFileError);
    messages.add((error as Error).message);
  }
  const checked = await checkBlockFile(path, options).catch((caught: unknown) => caught);
  expect(checked).toBeInstanceOf(BlockFileError);
  messages.add((checked as Error).message);
  expect([...messages]).toHaveLength(1);
  return [...messages][0];
}

const lower = (address: string) => address.toLowerCase();

/**
 * Seven logs over three blocks, in file order: block 16 with its logs out of (tx, log) order and
 * an ERC-20 Transfer (ignored); block 17 with only a log removed by a reorganisation; block 18
 * with an undecodable OperatorFeeDeclared, a FeeRecipientAddressUpdated, and an OperatorAdded
 * of another contract.
 */
const LOGS: RawLogJson[] = [
  operatorRemoved(1, { block: 16, tx: 1, log: 5 }),
  encodeLog('OperatorAdded', { operatorId: 1n, owner: OWNER, publicKey: operatorKey('LS0tLS1CRUdJTiBSU0Eg'), fee: 1000n }, { block: 16, tx: 0, log: 2 }),
  transferLog({ block: 16, tx: 0, log: 3 }),
  operatorRemoved(9, { block: 17, tx: 0, log: 0 }, { removed: true, blockHash: hash('a block that left the chain') }),
  {
    ...encodeLog('OperatorFeeDeclared', { owner: OWNER, operatorId: 1n, blockNumber: 18n, fee: 2000n }, { block: 18, tx: 0, log: 0 }),
    data: `0x${'00'.repeat(10)}`,
  },
  encodeLog('FeeRecipientAddressUpdated', { owner: OWNER, recipientAddress: OTHER_OWNER }, { block: 18, tx: 0, log: 1 }),
  encodeLog(
    'OperatorAdded',
    { operatorId: 5n, owner: OWNER, publicKey: operatorKey('other contract'), fee: 0n },
    { block: 18, tx: 2, log: 7 },
    { address: OTHER_CONTRACT },
  ),
];

const OPERATOR_ADDED = { type: 'OperatorAdded', operatorId: 1, owner: lower(OWNER), publicKey: 'LS0tLS1CRUdJTiBSU0Eg', fee: '1000' };
const FEE_RECIPIENT = { type: 'FeeRecipientAddressUpdated', owner: lower(OWNER), recipientAddress: OTHER_OWNER };
const OTHER_OPERATOR = { type: 'OperatorAdded', operatorId: 5, owner: lower(OWNER), publicKey: 'other contract', fee: '0' };

const expectedBlocks = (withOtherContract: boolean) => [
  // (the removal comes first in the file, but after the addition on chain)
  { number: 16, hash: blockHash(16), events: [OPERATOR_ADDED, { type: 'OperatorRemoved', operatorId: 1 }] },
  { number: 17, events: [] },
  {
    number: 18,
    hash: blockHash(18),
    events: [
      { type: 'OperatorFeeDeclared', [UNDECODABLE]: expect.stringMatching(/^OperatorFeeDeclared log \(block 18, tx 0x[0-9a-f]{64}, logIndex 0\): /) },
      FEE_RECIPIENT,
      ...(withOtherContract ? [OTHER_OPERATOR] : []),
    ],
  },
];

const SUMMARY: BlockFileSummary = {
  format: 'logs',
  blockCount: 3,
  firstBlock: 16,
  lastBlock: 18,
  logs: { total: 7, ignored: 1, invalid: 1, removed: 1, duplicates: 0 },
};

describe('BlockFileReader on logs files', () => {
  /** The same seven logs in every shape a logs file can take. */
  const shapes: [string, string][] = [
    ['array.json', JSON.stringify(LOGS, null, 2)],
    ['compact-array.json', JSON.stringify(LOGS)],
    ['rpc.json', JSON.stringify(rpcResponse(LOGS), null, 2)],
    ['rpc-result-first.json', JSON.stringify({ result: LOGS, id: 'abc', jsonrpc: '2.0' })],
    ['logs.ndjson', `\n${ndjson(LOGS)}\n`],
    ['logs.jsonl', ndjson(LOGS).replace(/\n/g, '\r\n').slice(0, -2)],
    ['dump.txt', JSON.stringify(LOGS, null, '\t')],
  ];

  it.each(shapes)('reads %s as logs, into the same blocks at every chunk size', async (name, text) => {
    const path = write(name, text);
    for (const chunkSize of CHUNK_SIZES) {
      const { blocks, summary } = await readAll(path, { chunkSize });
      expect(blocks.map((read) => read.block)).toEqual(expectedBlocks(true));
      for (const read of blocks) {
        expect(read.payload).toBe(canonicalBlockJson(read.block));
        expect(read.digest).toBe(blockDigest(read.block));
      }
      expect(summary).toEqual(SUMMARY);
    }
    await expect(checkBlockFile(path)).resolves.toEqual(SUMMARY);
  });

  it('gives every shape the same payloads and digests', async () => {
    const payloads = await Promise.all(
      shapes.map(async ([name, text]) => (await readAll(write(name, text))).blocks.map(({ payload, digest }) => ({ payload, digest }))),
    );
    for (const other of payloads.slice(1)) expect(other).toEqual(payloads[0]);
    expect(payloads[0][1].payload).toBe('{"events":[],"number":17}');
  });

  it('positions each block at its first log: its ordinal among the blocks, and that log’s line', async () => {
    const lines = await readAll(write('positions.ndjson', `\n${ndjson(LOGS)}`));
    expect(lines.blocks.map((read) => read.position)).toEqual([
      { index: 0, line: 2 },
      { index: 1, line: 5 },
      { index: 2, line: 6 },
    ]);
    const compact = await readAll(write('positions.json', LOGS));
    expect(compact.blocks.map((read) => read.position)).toEqual([{ index: 0 }, { index: 1 }, { index: 2 }]);
  });

  it('gives the domain an InvalidEvent with the decoder’s message for the undecodable log', async () => {
    const { blocks } = await readAll(write('replay.json', LOGS));
    const registry = InMemoryRegistry.replay(blocks.map((read) => read.block));
    expect(registry.rejections).toEqual([
      {
        blockNumber: 18,
        index: 0,
        type: 'OperatorFeeDeclared',
        code: 'InvalidEvent',
        message: expect.stringMatching(/^OperatorFeeDeclared log \(block 18, .*\): topics\/data cannot be ABI-decoded: /),
      },
    ]);
    expect(registry.collections(true).operators.map((operator) => [operator.operatorId, operator.publicKey, operator.removed])).toEqual([
      [1, 'LS0tLS1CRUdJTiBSU0Eg', true],
      [5, 'other contract', false],
    ]);
    expect(registry.collections().accounts).toContainEqual(expect.objectContaining({ owner: lower(OWNER), feeRecipient: OTHER_OWNER }));
  });

  it('restricts to the contract addresses given (any case), counting the others as ignored', async () => {
    const path = write('filtered.json', LOGS);
    for (const addresses of [[CONTRACT], [lower(CONTRACT)], [CONTRACT.toUpperCase().replace('0X', '0x'), '0x0000000000000000000000000000000000000001']]) {
      const { blocks, summary } = await readAll(path, { addresses });
      expect(blocks.map((read) => read.block)).toEqual(expectedBlocks(false));
      expect(summary.logs).toEqual({ total: 7, ignored: 2, invalid: 1, removed: 1, duplicates: 0 });
    }
    const other = await readAll(path, { addresses: [OTHER_CONTRACT] });
    expect(other.blocks.map((read) => read.block)).toEqual([
      { number: 16, hash: blockHash(16), events: [] },
      { number: 17, events: [] },
      { number: 18, hash: blockHash(18), events: [OTHER_OPERATOR] },
    ]);
    expect(other.summary.logs).toEqual({ total: 7, ignored: 5, invalid: 0, removed: 1, duplicates: 0 });
    // No addresses (or none given): every contract.
    expect((await readAll(path, { addresses: [] })).summary).toEqual(SUMMARY);
    // Addresses change nothing for native blocks.
    const native = write('native-filtered.json', [{ number: 1, events: [{ type: 'OperatorRemoved', operatorId: 1 }] }]);
    expect((await readAll(native, { addresses: [OTHER_CONTRACT] })).blocks).toHaveLength(1);
  });

  it('refuses an address option that is not an address', () => {
    expect(() => new BlockFileReader('x.json', { addresses: ['0x1234'] })).toThrow(RangeError);
    expect(() => new BlockFileReader('x.json', { addresses: [`${lower(CONTRACT)}00`] })).toThrow(
      /addresses: ".*" is not a contract address \(0x followed by 40 hex digits\)/,
    );
  });

  it('yields a block for every block with logs, even when none is an event', async () => {
    const logs = [transferLog({ block: 3 }), operatorRemoved(1, { block: 4 }, { address: OTHER_CONTRACT }), operatorRemoved(2, { block: 5 })];
    const { blocks, summary } = await readAll(write('no-events.json', logs), { addresses: [CONTRACT] });
    expect(blocks.map((read) => read.block)).toEqual([
      { number: 3, hash: blockHash(3), events: [] },
      { number: 4, hash: blockHash(4), events: [] },
      { number: 5, hash: blockHash(5), events: [{ type: 'OperatorRemoved', operatorId: 2 }] },
    ]);
    expect(summary).toEqual({ format: 'logs', blockCount: 3, firstBlock: 3, lastBlock: 5, logs: { total: 3, ignored: 2, invalid: 0, removed: 0, duplicates: 0 } });
  });

  it('accepts an empty list of logs: a file with no blocks', async () => {
    const empty = { format: 'logs', blockCount: 0, logs: { total: 0, ignored: 0, invalid: 0, removed: 0, duplicates: 0 } };
    expect(await readAll(write('empty-rpc.json', rpcResponse([])))).toEqual({ blocks: [], summary: empty });
    expect((await readAll(write('empty-result.json', '{ "result" : [ ] }'))).summary).toEqual(empty);
    expect((await readAll(write('empty-forced.json', '[]'), { format: 'logs' })).summary).toEqual(empty);
    expect((await readAll(write('empty-forced.ndjson', '\n\n'), { format: 'logs' })).summary).toEqual(empty);
    // Without a format, an empty array tells nothing: it is read as an empty block file.
    expect((await readAll(write('empty-array.json', '[]'))).summary).toEqual({ format: 'json', blockCount: 0 });
  });

  it('streams: the blocks before a problem come out before it is found', async () => {
    const logs = [operatorRemoved(1, { block: 3 }), operatorRemoved(2, { block: 4 }), operatorRemoved(3, { block: 5 }), operatorRemoved(4, { block: 4 })];
    const path = write('late-problem.ndjson', ndjson(logs));
    const seen: number[] = [];
    await expect(
      (async () => {
        for await (const read of new BlockFileReader(path).blocks()) seen.push(read.block.number);
      })(),
    ).rejects.toThrow(/^late-problem\.ndjson: log #4 at line 4 \(block 4, .*\): field "blockNumber": block 4 comes after block 5;/);
    expect(seen).toEqual([3, 4]);
  });
});

describe('detecting logs', () => {
  it('tells logs from blocks by the first element, the object’s keys, or the first non-blank line', async () => {
    const log = operatorRemoved(1, { block: 3 });
    const cases: [string, string, BlockFileSummary['format']][] = [
      ['blocks.json', JSON.stringify([{ number: 3, events: [] }]), 'json'],
      ['blocks-object.json', JSON.stringify({ toBlock: 9, blocks: [] }), 'json'],
      ['blocks.ndjson', '\n{"number":3,"events":[]}\n', 'ndjson'],
      ['logs.json', JSON.stringify([log]), 'logs'],
      ['logs-rpc.json', JSON.stringify(rpcResponse([log])), 'logs'],
      ['logs-id-first.json', JSON.stringify({ id: 1, jsonrpc: '2.0', result: [log] }), 'logs'],
      ['logs.ndjson', `\n \n${JSON.stringify(log)}\n`, 'logs'],
      ['logs.jsonl', JSON.stringify(log), 'logs'],
    ];
    for (const [name, text, format] of cases) {
      const reader = new BlockFileReader(write(name, text));
      await reader.check();
      expect({ name, format: reader.summary().format }).toEqual({ name, format });
      expect(reader.format).toBe(format);
    }
  });

  it('takes an object with "topics" or "data" (and no "events") for a log', async () => {
    const { topics: _, ...dataOnly } = operatorRemoved(1, { block: 3 });
    expect(await refusal(write('data-only.json', [dataOnly]))).toMatch(/^data-only\.json: log #1 \(.*\): field "topics" is missing$/);
    expect(await refusal(write('topics-only.ndjson', ndjson([{ topics: [] }])))).toBe(
      'topics-only.ndjson: log #1 at line 1: field "address" is missing',
    );
  });

  it('reads an object with "topics" or "data" and "events" as a block', async () => {
    const { blocks, summary } = await readAll(write('block-with-data.json', [{ number: 4, data: '0x', topics: [], events: [] }]));
    expect(blocks.map((read) => read.block)).toEqual([{ number: 4, events: [] }]);
    expect(summary.format).toBe('json');
  });

  it('knows the format told by the extension before reading, the one detected after', async () => {
    const reader = new BlockFileReader(write('guess.ndjson', ndjson([operatorRemoved(1, { block: 3 })])));
    expect(reader.format).toBe('ndjson');
    await reader.check();
    expect(reader.format).toBe('logs');
    expect(new BlockFileReader('any.ndjson', { format: 'logs' }).format).toBe('logs');
  });

  it('reads logs when told to, whatever the file looks like', async () => {
    const log = operatorRemoved(1, { block: 3 });
    const path = write('forced.ndjson', ndjson([log]));
    const { blocks, summary } = await readAll(path, { format: 'logs' });
    expect(blocks.map((read) => read.block)).toEqual([{ number: 3, hash: blockHash(3), events: [{ type: 'OperatorRemoved', operatorId: 1 }] }]);
    expect(summary.format).toBe('logs');
    // Native blocks read as logs: each element must be a log.
    expect(await refusal(write('blocks-as-logs.json', '[\n{"number":3,"events":[]}]'), { format: 'logs' })).toBe(
      'blocks-as-logs.json: log #1 at line 2: not a log: it has neither "topics" nor "data"',
    );
    expect(await refusal(write('object-as-logs.json', '{"toBlock":3,"blocks":[]}'), { format: 'logs' })).toBe(
      'object-as-logs.json: not one of the shapes: unknown top-level key "toBlock" at line 1, column 2; expected an array of logs ' +
        '(eth_getLogs log objects), or a JSON-RPC response { "jsonrpc", "id", "result": [...] }',
    );
    expect(await refusal(write('scalar-as-logs.json', '[1]'), { format: 'logs' })).toBe('scalar-as-logs.json: log #1: a log must be an object, got 1');
    expect(await refusal(write('nothing-as-logs.json', ' '), { format: 'logs' })).toBe(
      'nothing-as-logs.json: the file is empty: expected an array of logs (eth_getLogs log objects), or a JSON-RPC response { "jsonrpc", "id", "result": [...] }',
    );
  });

  it('reads native blocks when told json or ndjson, refusing logs as blocks', async () => {
    const log = operatorRemoved(1, { block: 3 });
    const notNumber = 'field "blockNumber" must be a block number (a non-negative integer), got "0x3"';
    expect(await refusal(write('logs-as-json.json', [log]), { format: 'json' })).toBe(`logs-as-json.json: block #1: ${notNumber}`);
    expect(await refusal(write('logs-as-ndjson.ndjson', ndjson([log])), { format: 'ndjson' })).toBe(
      `logs-as-ndjson.ndjson: block #1 (line 1): ${notNumber}`,
    );
    expect(await refusal(write('rpc-as-json.json', rpcResponse([log])), { format: 'json' })).toMatch(
      /^rpc-as-json\.json: not one of the shapes: unknown top-level key "jsonrpc" at line 1, column 2; expected an array of blocks/,
    );
  });
});

describe('refused logs files', () => {
  const log = (n: number, extra: Partial<RawLogJson> = {}) => operatorRemoved(n, { block: 16, tx: 0, log: n }, extra);

  it('refuses a JSON-RPC error response with its message', async () => {
    const error = { jsonrpc: '2.0', id: 1, error: { code: -32005, message: 'query returned more than 10000 results' } };
    const message = 'rpc-error.json: the file is a JSON-RPC error response, not logs: "query returned more than 10000 results" (code -32005)';
    expect(await refusal(write('rpc-error.json', JSON.stringify(error, null, 2)))).toBe(message);
    expect(await refusal(write('rpc-error.json', error), { format: 'logs' })).toBe(message);
    expect(await refusal(write('rpc-error-odd.json', { jsonrpc: '2.0', error: 'busy' }))).toBe(
      'rpc-error-odd.json: the file is a JSON-RPC error response, not logs: "busy"',
    );
  });

  it('refuses a JSON-RPC response without logs', async () => {
    expect(await refusal(write('rpc-no-result.json', { jsonrpc: '2.0', id: 1 }))).toBe(
      'rpc-no-result.json: not one of the shapes: the JSON-RPC response has no "result" array of logs (expected an array of logs ' +
        '(eth_getLogs log objects), or a JSON-RPC response { "jsonrpc", "id", "result": [...] })',
    );
    expect(await refusal(write('rpc-result-null.json', { jsonrpc: '2.0', id: 1, result: null }))).toBe(
      'rpc-result-null.json: field "result" must be an array of logs, got null at line 1, column 34',
    );
    expect(await refusal(write('rpc-extra-key.json', { jsonrpc: '2.0', result: [], blocks: [] }))).toMatch(
      /^rpc-extra-key\.json: not one of the shapes: unknown top-level key "blocks" at line 1, column 30; expected an array of logs/,
    );
    expect(await refusal(write('rpc-twice.json', '{"result":[],"result":[]}'))).toBe(
      'rpc-twice.json: not one of the shapes: the top-level key "result" appears twice (at line 1, column 14)',
    );
  });

  it('refuses a file that is neither blocks nor logs', async () => {
    expect(await refusal(write('neither.json', [{ hello: 'world' }]))).toBe('neither.json: block #1: field "number" is missing');
    expect(await refusal(write('neither.ndjson', '{"hello":"world"}\n'))).toBe('neither.ndjson: block #1 (line 1): field "number" is missing');
    expect(await refusal(write('string.json', '"logs"'))).toBe(
      'string.json: not one of the shapes: the file holds a string, expected an array of blocks, or an object { "toBlock"?: n, "blocks": [...] }',
    );
    expect(await refusal(write('lone-log.json', log(1)))).toBe(
      'lone-log.json: not one of the shapes: unknown top-level key "address" at line 1, column 2; expected an array of logs ' +
        '(eth_getLogs log objects), or a JSON-RPC response { "jsonrpc", "id", "result": [...] } (a single log must be wrapped in an array: [ {log} ])',
    );
    // Logs, then a block: the block is not a log.
    expect(await refusal(write('logs-then-block.json', [log(1), { number: 17, events: [] }]))).toBe(
      'logs-then-block.json: log #2: not a log: it has neither "topics" nor "data"',
    );
  });

  it('refuses logs that are not sorted by block, naming the file and the log', async () => {
    const logs = [log(1), operatorRemoved(2, { block: 18, tx: 0, log: 0 }), log(3)];
    const tx = logs[2].transactionHash;
    expect(await refusal(write('unsorted.ndjson', ndjson(logs)))).toBe(
      `unsorted.ndjson: log #3 at line 3 (block 16, tx ${tx}, logIndex 3): field "blockNumber": block 16 comes after block 18; ` +
        'the logs of a file must be sorted by block number (ascending), each block in one run',
    );
  });

  it('refuses two hashes for one block', async () => {
    const logs = [log(1), log(2, { blockHash: hash('another block 16') })];
    expect(await refusal(write('two-hashes.json', logs))).toBe(
      `two-hashes.json: log #2 (block 16, tx ${logs[1].transactionHash}, logIndex 2): field "blockHash" is ${hash('another block 16')}, ` +
        `but log #1 of the same block has ${blockHash(16)}`,
    );
    const error = await readAll(write('two-hashes.json', logs)).catch((caught: BlockFileError) => caught);
    expect((error as BlockFileError).location).toMatchObject({ blockNumber: 16, field: 'blockHash' });
  });

  it('refuses a log with a malformed field', async () => {
    expect(await refusal(write('bad-address.json', [log(1), log(2, { address: '0x1234' })]))).toBe(
      `bad-address.json: log #2 (tx "${log(2).transactionHash}", logIndex "0x2"): field "address" must be an address (0x followed by 40 hex digits), got "0x1234"`,
    );
    expect(await refusal(write('bad-number.json', [{ ...log(1), blockNumber: 'sixteen' }]))).toMatch(
      /^bad-number\.json: log #1 \(.*\): field "blockNumber" must be a block number \(a hex quantity \(0x…\) or a non-negative integer\), got "sixteen"$/,
    );
  });

  it('refuses a log that is not JSON, and a truncated file, saying "log"', async () => {
    expect(await refusal(write('bad-line.ndjson', `${JSON.stringify(log(1))}\n{"address":\n`))).toBe(
      'bad-line.ndjson: log #2 at line 2: not JSON: Unexpected end of JSON input',
    );
    const first = JSON.stringify(log(1));
    expect(await refusal(write('truncated-after.json', `[${first},`))).toBe(
      "truncated-after.json: after log #1: the file is truncated: it ends without the closing ']' of the array of logs",
    );
    expect(await refusal(write('truncated-inside.json', `[${first},\n{"address":"0x`))).toBe(
      'truncated-inside.json: log #2 (line 2), after log #1: the file is truncated: it ends inside this log',
    );
    const truncated = await readAll(join(dir, 'truncated-inside.json')).catch((caught: BlockFileError) => caught);
    expect((truncated as BlockFileError).location).toEqual({ line: 2 });
    expect(await refusal(write('truncated-rpc.json', '{"jsonrpc":"2.0","result":['))).toBe(
      `truncated-rpc.json: the file is truncated: it ends before the first log, without the closing ']' of the "result" array`,
    );
    expect(await refusal(write('truncated-id.json', '{"jsonrpc":"2.0","id":"ab'))).toBe(
      'truncated-id.json: the file is truncated: it ends inside the value of field "id"',
    );
    expect(await refusal(write('missing-comma.json', `[${first} ${first}]`))).toMatch(
      /^missing-comma\.json: after log #1: not JSON: unexpected "\{" at line 1, column \d+ \(expected ',' or '\]'\)$/,
    );
    expect(await refusal(write('double-comma.json', `[${first},,${first}]`))).toMatch(
      /^double-comma\.json: not JSON: unexpected "," at line 1, column \d+ \(expected a log\)$/,
    );
  });

  it('refuses a log nested deeper than 64 levels, in every shape, naming the file, the log, its block and the field', async () => {
    // (blockNumber first: read before the deep part, it names the block)
    const { blockNumber, ...rest } = log(1);
    const deep = { blockNumber, ...rest, data: 'x' };
    const text = JSON.stringify(deep).replace('"data":"x"', `"data":${'['.repeat(5000)}${']'.repeat(5000)}`);
    // The log is level 1: the 64th '[' of "data" is level 65.
    const column = text.indexOf('"data":') + '"data":'.length + 64;
    const first = JSON.stringify(log(0));
    expect(await refusal(write('deep.json', `[${first},\n${text}]`))).toBe(
      `deep.json: log #2 (line 2, block 16): field "data" is nested deeper than 64 levels of arrays and objects (at line 2, column ${column})`,
    );
    expect(await refusal(write('deep-rpc.json', `{"jsonrpc":"2.0","id":1,"result":[\n${text}]}`))).toBe(
      `deep-rpc.json: log #1 (line 2, block 16): field "data" is nested deeper than 64 levels of arrays and objects (at line 2, column ${column})`,
    );
    const located = await readAll(join(dir, 'deep-rpc.json')).catch((caught: BlockFileError) => caught);
    expect((located as BlockFileError).location).toEqual({ field: 'data', line: 2 });
    expect(await refusal(write('deep.ndjson', `${first}\n${text}\n`))).toBe(
      `deep.ndjson: log #2 (line 2, block 16): field "data" is nested deeper than 64 levels of arrays and objects (at line 2, column ${column})`,
    );
    expect(await refusal(write('deep-id.json', `{"jsonrpc":"2.0","id":${'['.repeat(100)}`))).toBe(
      'deep-id.json: field "id" is nested deeper than 64 levels of arrays and objects (at line 1, column 87)',
    );
    // The first element, before the reader knows the file holds logs: its keys tell.
    expect(await refusal(write('deep-first.json', `[${text}]`))).toBe(
      `deep-first.json: log #1 (block 16): field "data" is nested deeper than 64 levels of arrays and objects (at line 1, column ${column + 1})`,
    );
  });

  it('refuses a quantity beyond 2^53−1, showing it as written', async () => {
    const first = JSON.stringify(log(1));
    const second = JSON.stringify({ ...log(2), blockNumber: 16, logIndex: 0 })
      .replace('"blockNumber":16', '"blockNumber":9007199254740993')
      .replace('"logIndex":0', '"logIndex":99999999999999999999999');
    expect(await refusal(write('beyond.ndjson', `${first}\n${second}\n`))).toBe(
      `beyond.ndjson: log #2 at line 2 (tx "${log(2).transactionHash}", logIndex 99999999999999999999999): ` +
        'field "blockNumber" is 9007199254740993, beyond 9007199254740991 (2^53−1), the largest block number it takes',
    );
    expect(await refusal(write('beyond-hex.json', [log(1), log(2, { logIndex: '0x20000000000000' })]))).toBe(
      `beyond-hex.json: log #2 (tx "${log(2).transactionHash}", logIndex "0x20000000000000"): ` +
        'field "logIndex" is "0x20000000000000", beyond 9007199254740991 (2^53−1), the largest log index it takes',
    );
  });

  it('takes identical copies of a log once (overlapping pages end to end), counting them', async () => {
    // Two eth_getLogs pages, blocks 16–17 and 17–18, put end to end: block 17's logs come twice.
    const added = encodeLog('OperatorAdded', { operatorId: 3n, owner: OWNER, publicKey: operatorKey('LS0tLS1DT1BZ'), fee: 0n }, { block: 17, tx: 0, log: 0 });
    const deposit = log(4, { blockNumber: '0x11', blockHash: blockHash(17), logIndex: '0x1' });
    const page1 = [log(1), added, deposit];
    const page2 = [added, deposit, operatorRemoved(3, { block: 18, tx: 0, log: 0 })];
    const once = [log(1), added, deposit, operatorRemoved(3, { block: 18, tx: 0, log: 0 })];
    for (const [name, text] of [
      ['pages.json', JSON.stringify([...page1, ...page2], null, 1)],
      ['pages.ndjson', ndjson([...page1, ...page2])],
    ]) {
      const { blocks, summary } = await readAll(write(name, text));
      const expected = await readAll(write('once.ndjson', ndjson(once)));
      expect(blocks.map((read) => read.payload)).toEqual(expected.blocks.map((read) => read.payload));
      expect(summary.logs).toEqual({ total: 6, ignored: 0, invalid: 0, removed: 0, duplicates: 2 });
      expect(blocks[1].block.events.map((event) => (event as { type: string }).type)).toEqual(['OperatorAdded', 'OperatorRemoved']);
      const registry = new InMemoryRegistry();
      // (the removals of operators 1 and 4 are rejected; operator 3 is added once, not OperatorAlreadyExists)
      const rejections = blocks.flatMap((read) => registry.applyBlock(read.block).rejections.map((r) => `${r.blockNumber} ${r.code}`));
      expect(rejections).toEqual(['16 OperatorDoesNotExist', '17 OperatorDoesNotExist']);
    }
  });

  it('refuses two different logs at one block and logIndex, naming the file, the block and the logIndex', async () => {
    const logs = [log(1), log(2), operatorRemoved(7, { block: 16, tx: 0, log: 2 })];
    const message = await refusal(write('clash.ndjson', ndjson(logs)));
    expect(message).toBe(
      `clash.ndjson: log #3 at line 3 (block 16, tx ${logs[2].transactionHash}, logIndex 2): log #2 at line 2 is another log ` +
        'at block 16, logIndex 2, with a different "topics"; a logIndex is unique within a block (identical copies of a log are taken once)',
    );
    const error = await readAll(join(dir, 'clash.ndjson')).catch((caught: BlockFileError) => caught);
    expect((error as BlockFileError).location).toEqual({ blockNumber: 16, field: 'logIndex', line: 3 });
  });

  it('refuses a log larger than the limit', async () => {
    const path = write('large.json', JSON.stringify([log(1)], null, 2));
    expect(await refusal(path, { format: 'logs', maxBlockChars: 100 })).toBe(
      'large.json: log #1 (line 2) is larger than the limit of 100 characters for one log',
    );
  });
});
