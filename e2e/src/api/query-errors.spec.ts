import { join } from 'node:path';
import { TestSystem } from '../support/system';
import { WORKSPACE } from '../support/workspace';

/** Every bad query string gets a clear 4xx with a stable code; none gets a 500. */
describe('state query errors', () => {
  let system: TestSystem;

  beforeAll(async () => {
    system = await TestSystem.start({ consumers: 1 });
    expect((await system.ingest([join(WORKSPACE, 'data/blocks.json'), '--wait'])).code).toBe(0);
    // A file with no consumer able to take it yet: stopped consumers, one pending file.
    await Promise.all(system.consumers.map((consumer) => consumer.stop('SIGTERM')));
    expect((await system.ingest([join(WORKSPACE, 'data/blocks.json'), '--name', 'pending.json'])).code).toBe(0);
  }, 60_000);

  afterAll(async () => {
    await system?.stop();
  }, 60_000);

  it.each([
    ['', 'fileName'],
    ['?fileName=blocks.json', 'blockNumber'],
    ['?blockNumber=2', 'fileName'],
    ['?fileName=blocks.json&blockNumber=-1', 'blockNumber'],
    ['?fileName=blocks.json&blockNumber=1.5', 'blockNumber'],
    ['?fileName=blocks.json&blockNumber=abc', 'blockNumber'],
    ['?fileName=blocks.json&blockNumber=1e3', 'blockNumber'],
    ['?fileName=blocks.json&blockNumber=007', 'blockNumber'],
    ['?fileName=blocks.json&blockNumber=', 'blockNumber'],
    ['?fileName=blocks.json&blockNumber=99999999999999999999', 'blockNumber'],
    ['?fileName=blocks.json&blockNumber=2&blockNumber=3', 'blockNumber'],
    ['?fileName=../../etc/passwd&blockNumber=2', 'fileName'],
    ['?fileName=a/b.json&blockNumber=2', 'fileName'],
    ['?fileName=%2Fetc%2Fpasswd&blockNumber=2', 'fileName'],
    ['?fileName=bad%00name&blockNumber=2', 'fileName'],
    ['?fileName=&blockNumber=2', 'fileName'],
    ['?fileName=a&fileName=b&blockNumber=2', 'fileName'],
    ['?fileName[x]=a&blockNumber=2', 'fileName'],
    ['?fileName=blocks.json&blockNumber=2&includeRemoved=yes', 'includeRemoved'],
    ['?fileName=blocks.json&blockNumber=2&includeRemoved=true&includeRemoved=false', 'includeRemoved'],
    ['?fileName=blocks.json&blockNumber=2&includeRemoved[]=true', 'includeRemoved[]'],
    ['?fileName=blocks.json&blockNumber=2&block=3', 'block'],
  ])('GET /state%s → 400 naming %s', async (query, field) => {
    const { status, body } = await system.get(`/state${query}`);
    expect(status).toBe(400);
    expect(body.error).toBe('invalid_parameter');
    expect(Object.keys(body.fields)).toContain(field);
    expect(body.message).toContain(field);
  });

  it('answers 404 for an unknown file', async () => {
    const { status, body } = await system.get('/state?fileName=nope.json&blockNumber=1');
    expect(status).toBe(404);
    expect(body).toMatchObject({ error: 'file_not_found', message: 'no file named "nope.json" has been ingested' });
  });

  it('answers 404 past the end of a fully processed file, saying where it ends', async () => {
    const { status, body } = await system.get('/state?fileName=blocks.json&blockNumber=13');
    expect(status).toBe(404);
    expect(body).toMatchObject({ error: 'block_beyond_end', endBlock: 12, processedThrough: 12 });
    expect(body.message).toContain('ends at block 12');
  });

  it('answers 409 past processedThrough of a file still being processed, saying how far it is', async () => {
    const { status, body } = await system.get('/state?fileName=pending.json&blockNumber=2');
    expect(status).toBe(409);
    expect(body).toMatchObject({ error: 'block_not_processed_yet', processedThrough: 0, endBlock: 12 });
    expect(body.message).toContain('still being processed');
    // Below the first block every block of the file (none) is applied: the empty state, also as `latest`.
    for (const blockNumber of ['0', 'latest']) {
      const empty = await system.get(`/state?fileName=pending.json&blockNumber=${blockNumber}`);
      expect(empty.status).toBe(200);
      expect(empty.body).toMatchObject({ blockNumber: 0, processedThrough: 0, operators: [], validators: [], clusters: [], accounts: [] });
    }
  });

  it('resolves latest to processedThrough', async () => {
    const { status, body } = await system.get('/state?fileName=blocks.json&blockNumber=latest');
    expect(status).toBe(200);
    expect(body).toMatchObject({ fileName: 'blocks.json', blockNumber: 12, processedThrough: 12 });
  });

  it('validates /files parameters the same way', async () => {
    expect((await system.get('/files/nope.json')).status).toBe(404);
    expect((await system.get('/files/..%2Fx')).body.error).toBe('invalid_parameter');
    expect((await system.get('/files/blocks.json/rejections?fromBlock=9&toBlock=2')).status).toBe(400);
    expect((await system.get('/files/blocks.json/rejections?fromBlock=-2')).status).toBe(400);
    expect((await system.get('/files/blocks.json/rejections?fromBlock[]=8')).body).toMatchObject({ error: 'invalid_parameter', fields: { 'fromBlock[]': 'is not a parameter of this endpoint' } });
    const window = await system.get('/files/blocks.json/rejections?fromBlock=8&toBlock=10');
    expect(window.status).toBe(200);
    expect(window.body.rejections.map((r: { blockNumber: number; code: string }) => `${r.blockNumber}:${r.code}`)).toEqual([
      '8:ClusterIsLiquidated',
      '8:NoFeeDeclared',
      '10:IncorrectValidatorOwner',
    ]);
    expect((await system.get('/no/such/route')).body).toMatchObject({ error: 'not_found' });
  });

  it.each(['/files?fileName=blocks.json', '/files/blocks.json?blockNumber=2', '/status?file=blocks.json'])(
    'answers 400 for a parameter an endpoint does not take: %s',
    async (path) => {
      const { status, body } = await system.get(path);
      expect(status).toBe(400);
      expect(body).toMatchObject({ error: 'invalid_parameter' });
      expect(Object.values(body.fields)).toEqual(['is not a parameter of this endpoint']);
    },
  );

  it('never answers 500, whatever the query string', async () => {
    const pieces = ['fileName', 'blockNumber', 'includeRemoved', 'x', '', '=', '&', '%', '%zz', '%00', '[]', '[a]', '..', '/', '\\', '-1', '1', 'latest', 'blocks.json', 'true', '%E2%82%AC', '"', "'", '<', '{}', ' '];
    let seed = 7;
    const pick = () => pieces[(seed = (seed * 1103515245 + 12345) % 2147483648) % pieces.length];
    const statuses = new Set<number>();
    for (let i = 0; i < 300; i++) {
      const query = Array.from({ length: 1 + (i % 6) }, () => `${pick()}${pick()}=${pick()}${pick()}`).join('&');
      const response = await fetch(`${system.apiUrl}/state?${query}`);
      statuses.add(response.status);
      expect({ query, status: response.status < 500 }).toEqual({ query, status: true });
    }
    expect([...statuses].every((status) => [200, 400, 404, 409].includes(status))).toBe(true);
  });
});
