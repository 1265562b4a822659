import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { TestSystem } from '../support/system';
import { OWN_FIXTURES, SHARED_FIXTURES, sharedFixturesPresent } from '../support/workspace';

/** Bad files are refused whole with exit 2, a message naming the file, and nothing queued. */
describe('refused files', () => {
  let system: TestSystem;
  const own = readdirSync(join(OWN_FIXTURES, 'bad')).map((name) => join(OWN_FIXTURES, 'bad', name));
  const shared = sharedFixturesPresent('shared bad files') ? readdirSync(join(SHARED_FIXTURES, 'bad')).map((name) => join(SHARED_FIXTURES, 'bad', name)) : [];

  beforeAll(async () => {
    system = await TestSystem.start({ consumers: 1, api: false });
  }, 60_000);

  afterAll(async () => {
    await system?.stop();
  }, 60_000);

  async function expectNothingQueued(): Promise<void> {
    const counts = await system.queue.getJobCounts();
    expect(Object.values(counts).reduce((sum, count) => sum + count, 0)).toBe(0);
    expect(await system.redis.zcard(system.keys.files)).toBe(0);
    expect((await system.allKeys()).filter((key) => key.includes(':file:'))).toEqual([]);
  }

  it('has bad fixtures of its own', () => {
    expect(own.length).toBeGreaterThanOrEqual(10);
  });

  it.each([...own, ...shared].map((path) => [path.replace(/^.*\/(fixtures\/)/, ''), path]))('%s: exit 2, named, nothing queued', async (_label, path) => {
    const name = path.split('/').pop()!;
    const result = await system.ingest([path]);
    expect({ code: result.code, stdout: result.stdout }).toEqual({ code: 2, stdout: '' });
    expect(result.stderr).toContain(`refused: ${name}`);
    await expectNothingQueued();
  });

  it.each([
    ['a block that is not increasing names the block and the field', 'decreasing.ndjson', /block 2 \(line 3\).*"?number"?|block 2.*line 3/],
    ['a malformed hash names the block and the field', 'hash-malformed.json', /block 1.*"hash"/],
    ['a missing events array names the block', 'events-missing.json', /block 2.*"events"/],
    ['truncation says so', 'truncated-array.json', /truncated|ends|unexpected end/i],
  ])('%s', async (_what, name, pattern) => {
    const result = await system.ingest([join(OWN_FIXTURES, 'bad', name)]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(pattern);
  });

  it('refuses file names that are paths or unsafe, before reading', async () => {
    const good = join(OWN_FIXTURES, '..', '..', 'data', 'blocks.json');
    expect(existsSync(good)).toBe(true);
    for (const name of ['../escape.json', 'a/b.json', 'with:colon.json', '.hidden', 'x'.repeat(201)]) {
      const result = await system.ingest([good, '--name', name]);
      expect({ name, code: result.code }).toEqual({ name, code: 2 });
      expect(result.stderr).toContain('file name');
    }
    await expectNothingQueued();
  });

  it('answers a usage mistake with exit 2 and the usage', async () => {
    for (const args of [[], ['/no/such/file.json'], [OWN_FIXTURES, '--bogus']]) {
      const result = await system.ingest(args);
      expect({ args, code: result.code }).toEqual({ args, code: 2 });
      expect(result.stderr).toContain('usage: npm run ingest');
    }
  });
});
