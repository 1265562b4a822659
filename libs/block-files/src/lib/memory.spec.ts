import { closeSync, openSync, rmSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { encodeLog, hex, OWNER } from '../testing/logs';
import { BlockFileReader } from './block-file-reader';

const TARGET_BYTES = 50 * 1024 * 1024;

/** An SSV-like block of about 1 KB. */
function blockLine(number: number): string {
  const hex = (n: number, width: number) => n.toString(16).padStart(width, '0');
  return `${JSON.stringify({
    number,
    hash: `0x${hex(number, 64)}`,
    timestamp: 1700000000 + number * 12,
    events: [
      {
        type: 'ValidatorAdded',
        owner: `0x${hex(number % 977, 40)}`,
        operatorIds: [1, 2, 3, 4],
        publicKey: `0x${hex(number, 96)}`,
        shares: `0x${'ab'.repeat(200)}`,
        cluster: { validatorCount: 1, networkFeeIndex: '0', index: '0', active: true, balance: '1000000000' },
      },
      { type: 'OperatorFeeDeclared', owner: `0x${hex(number % 31, 40)}`, operatorId: (number % 50) + 1, fee: '382000000000' },
    ],
  })}\n`;
}

/** A full garbage collection, to measure what is retained rather than garbage not yet collected. */
function exposeGc(): () => void {
  const existing = (globalThis as { gc?: () => void }).gc;
  if (existing) return existing;
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

describe('memory while streaming a large NDJSON file', () => {
  const path = join(tmpdir(), `block-files-memory-${process.pid}-${Date.now()}.ndjson`);
  let blockCount = 0;

  beforeAll(() => {
    const fd = openSync(path, 'w');
    try {
      let written = 0;
      while (written < TARGET_BYTES) {
        let batch = '';
        for (let k = 0; k < 1000; k++) batch += blockLine(++blockCount);
        written += writeSync(fd, batch);
      }
    } finally {
      closeSync(fd);
    }
  });

  afterAll(() => {
    rmSync(path, { force: true });
  });

  it('keeps the heap far below the file size', async () => {
    const fileSize = statSync(path).size;
    const gc = exposeGc();
    gc();
    const baseline = process.memoryUsage().heapUsed;
    let peak = 0; // heap in use as it runs, garbage included
    let retained = 0; // heap still in use after a full collection, sampled along the way
    let count = 0;
    let last = -1;
    for await (const read of new BlockFileReader(path).blocks()) {
      count += 1;
      last = read.block.number;
      if (count % 500 === 0) peak = Math.max(peak, process.memoryUsage().heapUsed - baseline);
      if (count % 5000 === 0) {
        gc();
        retained = Math.max(retained, process.memoryUsage().heapUsed - baseline);
      }
    }
    console.info(
      `block-files memory: streamed ${(fileSize / 1e6).toFixed(1)} MB (${count} blocks); heap growth: ` +
        `${(retained / 1e6).toFixed(1)} MB retained at most, ${(peak / 1e6).toFixed(1)} MB with garbage not yet collected`,
    );
    expect(count).toBe(blockCount);
    expect(last).toBe(blockCount);
    expect(fileSize).toBeGreaterThanOrEqual(TARGET_BYTES);
    // Loading the file whole would keep at least its size in the heap (and several times that parsed).
    expect(retained).toBeLessThan(fileSize / 10);
  }, 120_000);
});

/** About 1.5 KB of logs for one block: a ValidatorAdded (with its shares) and an OperatorFeeDeclared, in two transactions. */
function logsOfBlock(templates: { validatorAdded: string; feeDeclared: string }, number: number): string {
  const quantity = hex(number);
  const hash = `0x${number.toString(16).padStart(64, '0')}`;
  const fill = (template: string) => template.replace(/"blockNumber":"[^"]*"/, `"blockNumber":"${quantity}"`).replace(/"blockHash":"[^"]*"/, `"blockHash":"${hash}"`);
  return `${fill(templates.validatorAdded)},\n${fill(templates.feeDeclared)}`;
}

describe('memory while streaming a large logs file', () => {
  const path = join(tmpdir(), `block-files-memory-logs-${process.pid}-${Date.now()}.json`);
  let blockCount = 0;

  beforeAll(() => {
    const cluster = { validatorCount: 1, networkFeeIndex: 0n, index: 0n, active: true, balance: 1_000_000_000n };
    const templates = {
      validatorAdded: JSON.stringify(
        encodeLog(
          'ValidatorAdded',
          { owner: OWNER, operatorIds: [1n, 2n, 3n, 4n], publicKey: `0x${'ab'.repeat(48)}`, shares: `0x${'cd'.repeat(300)}`, cluster },
          { block: 1, tx: 1, log: 4 },
        ),
      ),
      feeDeclared: JSON.stringify(
        encodeLog('OperatorFeeDeclared', { owner: OWNER, operatorId: 1n, blockNumber: 1n, fee: 382_000_000_000n }, { block: 1, tx: 0, log: 1 }),
      ),
    };
    const fd = openSync(path, 'w');
    try {
      let written = writeSync(fd, '{"jsonrpc":"2.0","id":1,"result":[\n');
      while (written < TARGET_BYTES / 2) {
        let batch = '';
        for (let k = 0; k < 1000; k++) batch += `${blockCount === 0 ? '' : ',\n'}${logsOfBlock(templates, ++blockCount)}`;
        written += writeSync(fd, batch);
      }
      writeSync(fd, '\n]}\n');
    } finally {
      closeSync(fd);
    }
  });

  afterAll(() => {
    rmSync(path, { force: true });
  });

  it('keeps the heap far below the file size: one block of logs at a time', async () => {
    const fileSize = statSync(path).size;
    const gc = exposeGc();
    gc();
    const baseline = process.memoryUsage().heapUsed;
    let retained = 0;
    let count = 0;
    let last = -1;
    const reader = new BlockFileReader(path);
    for await (const read of reader.blocks()) {
      count += 1;
      last = read.block.number;
      if (count % 5000 === 0) {
        gc();
        retained = Math.max(retained, process.memoryUsage().heapUsed - baseline);
      }
    }
    console.info(
      `block-files memory (logs): streamed ${(fileSize / 1e6).toFixed(1)} MB (${count} blocks, ${reader.summary().logs?.total} logs); ` +
        `heap growth: ${(retained / 1e6).toFixed(1)} MB retained at most`,
    );
    expect(count).toBe(blockCount);
    expect(last).toBe(blockCount);
    expect(reader.summary()).toMatchObject({ format: 'logs', logs: { total: 2 * blockCount, ignored: 0, invalid: 0, removed: 0 } });
    expect(retained).toBeLessThan(fileSize / 10);
  }, 120_000);
});
