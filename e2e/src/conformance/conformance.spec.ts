import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TestSystem } from '../support/system';
import { SHARED_FIXTURES, sharedFixturesPresent } from '../support/workspace';

/**
 * Every file of ../shared/fixtures through the real producer, consumers and API, compared
 * exactly with every expected state and the full list of rejections.
 */
const present = sharedFixturesPresent('conformance with ../shared/fixtures');
const describeShared = present ? describe : describe.skip;

const COLLECTIONS = ['operators', 'validators', 'clusters', 'accounts'] as const;

interface ExpectedState {
  file: string;
  fileName: string;
  blockNumber: number;
  includeRemoved: boolean;
}

function expectedStates(): ExpectedState[] {
  return readdirSync(join(SHARED_FIXTURES, 'expected'))
    .map((file) => ({ file, match: /^(.+)@(\d+)(\+removed)?\.json$/.exec(file) }))
    .filter(({ match }) => match !== null)
    .map(({ file, match }) => ({ file, fileName: match![1], blockNumber: Number(match![2]), includeRemoved: match![3] !== undefined }));
}

const readJson = (path: string) => JSON.parse(readFileSync(path, 'utf8'));

describeShared.each([1, 3])('shared fixtures with %i consumer(s)', (consumers) => {
  let system: TestSystem;
  const states = present ? expectedStates() : [];
  const files = [...new Set(states.map((state) => state.fileName))].sort();

  beforeAll(async () => {
    system = await TestSystem.start({ consumers });
    // All files at once: they progress side by side over the same consumers.
    const results = await Promise.all(files.map((fileName) => system.ingest([join(SHARED_FIXTURES, fileName)])));
    results.forEach((result, i) => expect({ file: files[i], code: result.code, stderr: result.stderr }).toEqual({ file: files[i], code: 0, stderr: expect.any(String) }));
    for (const fileName of files) await system.waitComplete(fileName);
  }, 300_000);

  afterAll(async () => {
    await system?.stop();
  }, 60_000);

  it('covers the four fixture files', () => {
    expect(files).toEqual(['blocks.json', 'registry-medium.ndjson', 'registry-object.json', 'registry-small.json']);
  });

  it.each(states.map((state) => [state.file, state] as const))('matches expected/%s exactly', async (_file, state) => {
    const query = `/state?fileName=${state.fileName}&blockNumber=${state.blockNumber}${state.includeRemoved ? '&includeRemoved=true' : ''}`;
    const { status, body } = await system.get(query);
    expect(status).toBe(200);
    expect(body.fileName).toBe(state.fileName);
    expect(body.blockNumber).toBe(state.blockNumber);
    const expected = readJson(join(SHARED_FIXTURES, 'expected', state.file));
    for (const collection of COLLECTIONS) expect({ [collection]: body[collection] }).toEqual({ [collection]: expected[collection] });
  });

  it.each(files)('matches the rejections of %s exactly', async (fileName) => {
    const { status, body } = await system.get(`/files/${fileName}/rejections`);
    expect(status).toBe(200);
    const got = body.rejections.map(({ blockNumber, index, type, code }: Record<string, unknown>) => ({ blockNumber, index, type, code }));
    expect(got).toEqual(readJson(join(SHARED_FIXTURES, 'expected', `${fileName}.rejections.json`)));
    for (const rejection of body.rejections) expect(rejection.message).toEqual(expect.stringMatching(/\S/));
  });
});
