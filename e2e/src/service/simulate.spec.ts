import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runApp } from '../support/processes';
import { TestSystem } from '../support/system';
import { appEntry, WORKSPACE } from '../support/workspace';

/** The simulator writes a replayable file block after block while the system processes it. */
describe('simulator', () => {
  let system: TestSystem;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'bqm-sim-'));
    system = await TestSystem.start({ consumers: 2 });
  }, 60_000);

  afterAll(async () => {
    await system?.stop();
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it('answers every processed block while it runs and 409 beyond, and the file replays to identical states', async () => {
    const simulation = spawn(process.execPath, [appEntry('producer'), 'simulate', '--name', 'live.ndjson', '--seed', '5', '--rate', '25', '--blocks', '120'], {
      cwd: WORKSPACE,
      env: { ...process.env, ...system.environment, DATA_DIR: dir },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    simulation.stdout.on('data', (chunk) => (output += chunk));
    simulation.stderr.on('data', (chunk) => (output += chunk));
    const exited = new Promise<number | null>((resolve) => simulation.once('exit', resolve));

    const seen = new Set<number>();
    let running = true;
    exited.then(() => (running = false));
    while (running) {
      const meta = await system.meta('live.ndjson');
      if (meta && meta.processedThrough !== null && meta.processedThrough > 0 && !meta.sealed) {
        const at = meta.processedThrough;
        const inside = await system.get(`/state?fileName=live.ndjson&blockNumber=${at}`);
        expect({ at, status: inside.status }).toEqual({ at, status: 200 });
        const beyond = await system.get(`/state?fileName=live.ndjson&blockNumber=${at + 1000}`);
        expect(beyond.status).toBe(409);
        expect(beyond.body.error).toBe('block_not_processed_yet');
        seen.add(at);
      }
      await new Promise((resolve) => setTimeout(resolve, 150));
    }
    expect({ code: await exited, output }).toEqual({ code: 0, output: expect.stringContaining('live.ndjson: 120 blocks, through block 120') });
    expect(seen.size).toBeGreaterThanOrEqual(3);

    const live = await system.waitComplete('live.ndjson');
    expect(live).toMatchObject({ blockCount: 120, blocksApplied: 120, processedThrough: 120, source: 'simulation' });
    const copy = await system.ingest([join(dir, 'live.ndjson'), '--name', 'copy.ndjson', '--wait']);
    expect(copy.code).toBe(0);
    for (const at of [1, 30, 60, 120]) {
      const a = await system.get(`/state?fileName=live.ndjson&blockNumber=${at}&includeRemoved=true`);
      const b = await system.get(`/state?fileName=copy.ndjson&blockNumber=${at}&includeRemoved=true`);
      expect(a.status).toBe(200);
      expect({ ...b.body, fileName: 'live.ndjson' }).toEqual(a.body);
    }
    const rejections = async (name: string) => (await system.get(`/files/${name}/rejections`)).body.rejections;
    expect(await rejections('copy.ndjson')).toEqual(await rejections('live.ndjson'));
    expect((await rejections('live.ndjson')).length).toBeGreaterThan(0);
  });

  it('gives the same file for the same seed, continues a file it wrote, and refuses another seed on it', async () => {
    const other = mkdtempSync(join(tmpdir(), 'bqm-sim-'));
    try {
      const env = { ...system.environment, DATA_DIR: other };
      expect((await runApp('producer', env, ['simulate', '--name', 'again.ndjson', '--seed', '5', '--rate', '0', '--blocks', '60'])).code).toBe(0);
      expect((await runApp('producer', env, ['simulate', '--name', 'again.ndjson', '--seed', '5', '--rate', '0', '--blocks', '120'])).code).toBe(0);
      expect(readFileSync(join(other, 'again.ndjson'), 'utf8')).toBe(readFileSync(join(dir, 'live.ndjson'), 'utf8'));
      const refused = await runApp('producer', env, ['simulate', '--name', 'again.ndjson', '--seed', '6', '--rate', '0', '--blocks', '130']);
      expect(refused.code).toBe(2);
      expect(refused.stderr).toContain('is not what seed 6 produces');
      // Its file gone but its name known: refused before anything is written, pointing at --replace.
      rmSync(join(other, 'again.ndjson'));
      const orphan = await runApp('producer', env, ['simulate', '--name', 'again.ndjson', '--seed', '5', '--rate', '0', '--blocks', '10']);
      expect(orphan.code).toBe(2);
      expect(orphan.stderr).toContain('again.ndjson is already known (its blocks 1 to 120)');
      expect(orphan.stderr).toContain('use --replace to start it again');
      expect(existsSync(join(other, 'again.ndjson'))).toBe(false);
      const usage = await runApp('producer', env, ['simulate', '--rate', 'fast']);
      expect(usage.code).toBe(2);
      expect(usage.stderr).toContain('--rate must be');
      const json = await runApp('producer', env, ['simulate', '--name', 'sim.json']);
      expect(json.code).toBe(2);
      expect(json.stderr).toContain('--name must end in .ndjson or .jsonl');
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });

  it('runs inside the producer service with SIMULATE=true', async () => {
    const other = mkdtempSync(join(tmpdir(), 'bqm-sim-'));
    const producer = (await import('../support/processes')).startApp('producer', {
      ...system.environment,
      DATA_DIR: other,
      SIMULATE: 'true',
      SIMULATE_NAME: 'service.ndjson',
      SIMULATE_SEED: '5',
      SIMULATE_RATE: '0',
      SIMULATE_BLOCKS: '40',
    });
    try {
      const meta = await system.waitComplete('service.ndjson', 60_000);
      expect(meta).toMatchObject({ blockCount: 40, processedThrough: 40, source: 'simulation' });
      expect(readFileSync(join(other, 'service.ndjson'), 'utf8')).toBe(readFileSync(join(dir, 'live.ndjson'), 'utf8').split('\n').slice(0, 40).join('\n') + '\n');
    } finally {
      expect((await producer.stop('SIGTERM')).code).toBe(0);
      rmSync(other, { recursive: true, force: true });
    }
  });
});
