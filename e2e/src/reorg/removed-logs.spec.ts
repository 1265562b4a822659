import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeLog, operatorKey, RawLogJson } from '../logs/encode-logs';
import { TestSystem } from '../support/system';

/**
 * Raw logs and reorganisations (3 consumers): logs that come again marked `removed: true` take
 * their block out, and a block whose logs come with a new block hash replaces the old one.
 */
const CONTRACT = '0x00000000000000000000000000000000005eed01';
const OWNER = '0x000000000000000000000000000000000000a0a1';
const IDS = [1n, 2n, 3n, 4n];
const validatorKey = (n: number) => `0x${n.toString(16).padStart(2, '0').repeat(48)}`;
const snapshot = (validatorCount: number, balance: bigint) => ({ validatorCount, networkFeeIndex: 0n, index: 0n, active: true, balance });
const place = (block: number, log: number) => ({ address: CONTRACT, block, tx: 0, log });

describe('raw logs through reorganisations (3 consumers)', () => {
  let system: TestSystem;
  let dir: string;

  const operators = [1n, 2n, 3n, 4n].map((id, i) =>
    encodeLog('OperatorAdded', { operatorId: id, owner: OWNER, publicKey: operatorKey(`operator ${id}`), fee: 10n }, place(300, i)),
  );
  const validator = (n: number, block: number) =>
    encodeLog('ValidatorAdded', { owner: OWNER, operatorIds: IDS, publicKey: validatorKey(n), shares: '0x01', cluster: snapshot(n, BigInt(n) * 100n) }, place(block, 0));
  const chain: RawLogJson[] = [...operators, validator(1, 301), validator(2, 302), validator(3, 303)];

  const write = (name: string, logs: RawLogJson[]) => {
    const path = join(dir, name);
    writeFileSync(path, JSON.stringify({ jsonrpc: '2.0', id: 1, result: logs }));
    return path;
  };
  const validatorsAt = async (blockNumber: number) =>
    (await system.get(`/state?fileName=logs.json&blockNumber=${blockNumber}`)).body.validators.map((v: { publicKey: string }) => v.publicKey);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'bqm-logs-reorg-'));
    system = await TestSystem.start({ consumers: 3 });
  }, 60_000);

  afterAll(async () => {
    await system?.stop();
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it('logs marked removed take their block out: the validator goes, the counts return', async () => {
    expect((await system.ingest([write('logs.json', chain), '--wait'])).code).toBe(0);
    expect(await validatorsAt(303)).toEqual([validatorKey(1), validatorKey(2), validatorKey(3)]);
    const before = await system.meta('logs.json');

    const removed = chain.map((log) => (log.blockNumber === '0x12f' ? { ...log, removed: true } : log));
    const result = await system.ingest([write('logs.json', removed), '--wait']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('logs.json reorganised: its blocks from block 303 were replaced');
    expect(result.stdout).toMatch(/1 removed/);
    expect(await validatorsAt(303)).toEqual([validatorKey(1), validatorKey(2)]);
    const after = await system.meta('logs.json');
    expect(after).toMatchObject({ eventsApplied: before!.eventsApplied - 1, blocksApplied: before!.blocksApplied, processedThrough: 303, reorgs: 1 });
    const { body } = await system.get('/state?fileName=logs.json&blockNumber=303');
    expect(body.clusters).toEqual([expect.objectContaining({ validatorCount: 2, balance: '200' })]);
    expect(body.operators.map((o: { validatorCount: number }) => o.validatorCount)).toEqual([2, 2, 2, 2]);
  });

  it('a block whose logs come with a new hash (another branch) replaces the old block', async () => {
    const branch = [
      ...chain.filter((log) => log.blockNumber !== '0x12f'),
      { ...validator(9, 303), blockHash: '0x' + '9'.repeat(64) },
    ];
    const result = await system.ingest([write('logs.json', branch), '--wait']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('reorganised: its blocks from block 303 were replaced');
    expect(await validatorsAt(303)).toEqual([validatorKey(1), validatorKey(2), validatorKey(9)]);
    expect(await validatorsAt(302)).toEqual([validatorKey(1), validatorKey(2)]);
    const rejections = (await system.get('/files/logs.json/rejections')).body;
    expect(rejections.count).toBe(0);
  });
});
