import { BlockFileReader } from '@bqm/block-files';
import { Block } from '@bqm/domain';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { collectionsOf, expectedState } from '../support/replay';
import { TestSystem } from '../support/system';
import { blockHash, encodeLog, LogPlace, operatorKey, RawLogJson, transferLog } from './encode-logs';

/**
 * `npm run ingest -- some-logs.json` on an eth_getLogs dump (a JSON-RPC response), through the
 * real producer, consumers and API: every one of the 14 events, a log of another event (ignored),
 * a log of another contract (left out by --address), a log removed by a reorganisation, and an
 * undecodable log (rejected with InvalidEvent).
 */
const CONTRACT = '0xdd9bc35ae942ef0cfa76930954a156b3ff30a4e1';
const OTHER_CONTRACT = '0x00000000000000000000000000000000000e2e02';
const OWNER_A = '0x000000000000000000000000000000000000a0a1';
const OWNER_B = '0x000000000000000000000000000000000000b0b2';
const OWNER_C = '0x000000000000000000000000000000000000c0c3';
const RECIPIENT = '0x000000000000000000000000000000000000fee5';
const OPERATOR_KEY = 'LS0tLS1CRUdJTiBSU0EgUFVCTElDIEtFWS0tLS0tCmUyZSBvcGVyYXRvciAxCg==';
const IDS = [1n, 2n, 3n, 4n];
const validatorKey = (n: number) => `0x${n.toString(16).padStart(2, '0').repeat(48)}`;
const cluster = (validatorCount: number, active: boolean, balance: bigint) => ({ validatorCount, networkFeeIndex: 7n, index: 3n, active, balance });

let place = { block: 0, tx: 0, log: 0 };
/** The next log's place: in block `block`, transaction `tx` (log indexes run on through the block). */
function at(block: number, tx: number, address = CONTRACT): LogPlace {
  place = block === place.block ? { block, tx, log: place.log + 1 } : { block, tx, log: 0 };
  return { address, ...place };
}

function buildLogs(): RawLogJson[] {
  const blocks: RawLogJson[][] = [
    [
      encodeLog('OperatorAdded', { operatorId: 1n, owner: OWNER_A, publicKey: operatorKey(OPERATOR_KEY), fee: 1_000_000_000n }, at(200, 0)),
      encodeLog('OperatorAdded', { operatorId: 2n, owner: OWNER_A, publicKey: operatorKey('operator 2'), fee: 0n }, at(200, 0)),
      encodeLog('OperatorAdded', { operatorId: 3n, owner: OWNER_B, publicKey: operatorKey('operator 3'), fee: 5n }, at(200, 1)),
      encodeLog('OperatorAdded', { operatorId: 4n, owner: OWNER_B, publicKey: operatorKey('operator 4'), fee: 5n }, at(200, 1)),
      encodeLog('OperatorAdded', { operatorId: 5n, owner: OWNER_B, publicKey: operatorKey('operator 5'), fee: 5n }, at(200, 1)),
      transferLog(at(200, 2)),
    ],
    [
      encodeLog(
        'ValidatorAdded',
        { owner: OWNER_C, operatorIds: IDS, publicKey: validatorKey(1), shares: `0x${'5a'.repeat(100)}`, cluster: cluster(1, true, 1000n) },
        at(201, 0),
      ),
      encodeLog(
        'ValidatorAdded',
        { owner: OWNER_C, operatorIds: IDS, publicKey: validatorKey(2), shares: '0x', cluster: cluster(2, true, 1000n) },
        at(201, 0),
      ),
      encodeLog('OperatorFeeDeclared', { owner: OWNER_A, operatorId: 1n, blockNumber: 201n, fee: 2_000_000_000n }, at(201, 1)),
      encodeLog('OperatorFeeDeclared', { owner: OWNER_A, operatorId: 2n, blockNumber: 201n, fee: 9n }, at(201, 1)),
      // Another contract: left out by --address.
      encodeLog('OperatorAdded', { operatorId: 99n, owner: OWNER_B, publicKey: operatorKey('another contract'), fee: 0n }, at(201, 2, OTHER_CONTRACT)),
    ],
    [
      encodeLog('OperatorFeeDeclarationCancelled', { owner: OWNER_A, operatorId: 2n }, at(203, 0)),
      encodeLog('OperatorFeeExecuted', { owner: OWNER_A, operatorId: 1n, blockNumber: 203n, fee: 2_000_000_000n }, at(203, 0)),
      encodeLog('OperatorPrivacyStatusUpdated', { operatorIds: [3n, 4n], toPrivate: true }, at(203, 1)),
      encodeLog('ValidatorExited', { owner: OWNER_C, operatorIds: IDS, publicKey: validatorKey(2) }, at(203, 2)),
      encodeLog('ClusterDeposited', { owner: OWNER_C, operatorIds: IDS, value: 500n, cluster: cluster(2, true, 1500n) }, at(203, 3)),
      encodeLog('ClusterWithdrawn', { owner: OWNER_C, operatorIds: IDS, value: 200n, cluster: cluster(2, true, 1300n) }, at(203, 3)),
      encodeLog('FeeRecipientAddressUpdated', { owner: OWNER_C, recipientAddress: RECIPIENT }, at(203, 4)),
    ],
    [
      encodeLog('ValidatorRemoved', { owner: OWNER_C, operatorIds: IDS, publicKey: validatorKey(1), cluster: cluster(1, true, 1300n) }, at(205, 0)),
      encodeLog('ClusterLiquidated', { owner: OWNER_C, operatorIds: IDS, cluster: cluster(1, false, 0n) }, at(205, 1)),
      // Undecodable: a ClusterReactivated whose data is cut short.
      { ...encodeLog('ClusterReactivated', { owner: OWNER_C, operatorIds: IDS, cluster: cluster(1, true, 1n) }, at(205, 2)), data: `0x${'00'.repeat(40)}` },
    ],
    [
      encodeLog('ClusterReactivated', { owner: OWNER_C, operatorIds: IDS, cluster: cluster(1, true, 800n) }, at(206, 0)),
      encodeLog('OperatorRemoved', { operatorId: 5n }, at(206, 1)),
      // Removed by a reorganisation: left out.
      { ...encodeLog('OperatorRemoved', { operatorId: 4n }, at(206, 2)), removed: true },
    ],
  ];
  // Within each block, the file lists the logs backwards: the reader orders them by (transactionIndex, logIndex).
  return blocks.flatMap((logs) => [...logs].reverse());
}

describe('logs input: npm run ingest of an eth_getLogs dump', () => {
  let system: TestSystem;
  let dir: string;
  let path: string;
  let blocks: Block[];
  const fileName = 'ssv-logs.json';

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'bqm-logs-'));
    path = join(dir, fileName);
    writeFileSync(path, JSON.stringify({ jsonrpc: '2.0', id: 1, result: buildLogs() }, null, 2));
    // The reference: the blocks the reader yields for this file and --address, replayed in memory.
    blocks = [];
    for await (const read of new BlockFileReader(path, { addresses: [CONTRACT] }).blocks()) blocks.push(read.block);
    system = await TestSystem.start({ consumers: 1 });
  }, 60_000);

  afterAll(async () => {
    await system?.stop();
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it('refuses an --address that is not an address, with the usage', async () => {
    const result = await system.ingest([path, '--address', '0x1234']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--address must be a contract address (0x followed by 40 hex digits), got 0x1234');
    expect(result.stderr).toContain('usage: npm run ingest');
  });

  it('ingests the dump, recognised as logs, and tells what became of the logs', async () => {
    const result = await system.ingest([path, '--address', CONTRACT.toUpperCase().replace('0X', '0x'), '--wait']);
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: expect.any(String) });
    expect(result.stdout).toContain(`${fileName}: queued 5 blocks`);
    expect(result.stdout).toContain(
      `${fileName}: 24 logs: 2 ignored (not registry events, or not of the contract addresses followed), ` +
        '1 invalid (rejected with InvalidEvent), 1 removed (reorganised away)',
    );
    const meta = await system.waitComplete(fileName);
    expect(meta).toMatchObject({ format: 'logs', processedThrough: 206 });
    const { body } = await system.get(`/files/${fileName}`);
    expect(body).toMatchObject({ format: 'logs', ignoredLogs: 2 });
  });

  it('has the five blocks, with the hashes of the logs', () => {
    expect(blocks.map((block) => [block.number, block.hash])).toEqual([200, 201, 203, 205, 206].map((n) => [n, blockHash(n)]));
    const types = new Set(blocks.flatMap((block) => block.events.map((event) => (event as { type: string }).type)));
    expect(types.size).toBe(14);
  });

  it.each([199, 200, 201, 202, 203, 205, 206])('answers /state as of block %i as the rules replayed in memory', async (blockNumber) => {
    for (const includeRemoved of [false, true]) {
      const { status, body } = await system.get(`/state?fileName=${fileName}&blockNumber=${blockNumber}${includeRemoved ? '&includeRemoved=true' : ''}`);
      expect(status).toBe(200);
      expect(collectionsOf(body)).toEqual(expectedState(blocks, blockNumber, includeRemoved));
    }
  });

  it('keeps the operator key as the text the log’s bytes hold, and leaves out the other contract', async () => {
    const { body } = await system.get(`/state?fileName=${fileName}&blockNumber=206&includeRemoved=true`);
    expect(body.operators.map((operator: { operatorId: number }) => operator.operatorId)).toEqual([1, 2, 3, 4, 5]);
    expect(body.operators[0]).toMatchObject({ operatorId: 1, owner: OWNER_A, publicKey: OPERATOR_KEY, fee: '2000000000', declaredFee: null });
    expect(body.operators[3]).toMatchObject({ operatorId: 4, removed: false, isPrivate: true });
    expect(body.operators[4]).toMatchObject({ operatorId: 5, removed: true });
    expect(body.accounts).toContainEqual(expect.objectContaining({ owner: OWNER_C, feeRecipient: RECIPIENT, nonce: 2 }));
    expect(body.clusters).toEqual([expect.objectContaining({ owner: OWNER_C, operatorIds: [1, 2, 3, 4], active: true, balance: '800' })]);
    expect(body.validators).toEqual([
      expect.objectContaining({ publicKey: validatorKey(1), removed: true }),
      expect.objectContaining({ publicKey: validatorKey(2), status: 'exited' }),
    ]);
  });

  it('rejects the undecodable log with InvalidEvent and the decoder’s message, and nothing else', async () => {
    const { status, body } = await system.get(`/files/${fileName}/rejections`);
    expect(status).toBe(200);
    expect(body.rejections).toEqual([
      {
        blockNumber: 205,
        index: 2,
        type: 'ClusterReactivated',
        code: 'InvalidEvent',
        message: expect.stringMatching(/^ClusterReactivated log \(block 205, tx 0x[0-9a-f]{64}, logIndex 2\): topics\/data cannot be ABI-decoded: /),
      },
    ]);
  });

  it('without --address, takes the other contract’s log too', async () => {
    const result = await system.ingest([path, '--name', 'all-contracts.json', '--wait']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('all-contracts.json: 24 logs: 1 ignored');
    expect((await system.get('/files/all-contracts.json')).body).toMatchObject({ format: 'logs', ignoredLogs: 1 });
    const { body } = await system.get('/state?fileName=all-contracts.json&blockNumber=206');
    expect(body.operators.map((operator: { operatorId: number }) => operator.operatorId)).toEqual([1, 2, 3, 4, 99]);
  });
});
