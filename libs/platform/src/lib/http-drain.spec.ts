import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { RawHttpConnection } from '../testing/raw-http-connection';
import { HttpDrain } from './http-drain';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const BIG = 'x'.repeat(24 * 1024 * 1024);

describe('HttpDrain', () => {
  let server: Server;
  let drain: HttpDrain;
  let port: number;
  const handlers: Record<string, (request: IncomingMessage, response: ServerResponse) => void> = {
    '/quick': (_request, response) => response.end('ok'),
    '/slow': (_request, response) => void sleep(300).then(() => response.end('slow-done')),
    '/big': (_request, response) => response.end(BIG),
    '/never': () => undefined,
  };

  beforeEach(async () => {
    server = createServer((request, response) => handlers[request.url ?? '']!(request, response));
    drain = new HttpDrain(server, {
      deadlineMs: 1500,
      refuse: (_request, response) => response.writeHead(503, { 'Content-Length': 13 }).end('shutting_down'),
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });

  afterEach(() => server.closeAllConnections());

  it('stops at once when nothing is in flight, closing idle kept-alive connections', async () => {
    const client = new RawHttpConnection(port);
    await client.send('/quick');
    await sleep(100);
    expect(client.responses()).toMatchObject([{ status: 200, body: 'ok' }]);
    const result = await drain.drain();
    expect(result).toMatchObject({ inFlight: 0, cutOff: 0, refused: 0 });
    expect(result.ms).toBeLessThan(100);
    expect(await client.closed).toBeUndefined();
    expect(server.listening).toBe(false);
  });

  it('lets requests in flight finish, refuses those arriving after on open connections, accepts no new connection', async () => {
    const client = new RawHttpConnection(port);
    await client.send('/slow');
    await sleep(50);
    const draining = drain.drain();
    await client.send('/quick'); // pipelined behind the slow one, after the signal
    const late = new RawHttpConnection(port);
    expect(await late.closed).toBe('ECONNREFUSED');
    const result = await draining;
    expect(result).toMatchObject({ inFlight: 1, cutOff: 0, refused: 1 });
    await client.closed;
    const [slow, refused] = client.responses();
    expect(slow).toMatchObject({ status: 200, body: 'slow-done' });
    expect(refused).toMatchObject({ status: 503, body: 'shutting_down', headers: { connection: 'close' } });
  });

  it('answers 503 to a connection made before the signal whose request is read after it', async () => {
    const busy = new RawHttpConnection(port);
    await busy.send('/slow');
    const fresh = new RawHttpConnection(port);
    await fresh.connected();
    await sleep(50);
    const draining = drain.drain();
    await fresh.send('/quick');
    expect(await draining).toMatchObject({ inFlight: 1, cutOff: 0, refused: 1 });
    await Promise.all([busy.closed, fresh.closed]);
    expect(busy.responses()).toMatchObject([{ status: 200, body: 'slow-done' }]);
    expect(fresh.responses()).toMatchObject([{ status: 503, headers: { connection: 'close' } }]);
  });

  it('waits for an answer still being written (Node would count its connection idle)', async () => {
    const client = new RawHttpConnection(port);
    client.socket.pause(); // a slow reader: the answer is ended but cannot be written out yet
    await client.send('/big');
    await sleep(100);
    const draining = drain.drain();
    await sleep(300);
    client.socket.resume();
    expect(await draining).toMatchObject({ inFlight: 1, cutOff: 0 });
    await client.closed;
    const [answer] = client.responses();
    expect(answer.status).toBe(200);
    expect(answer.body.length).toBe(BIG.length);
  });

  it('resets the connections of requests still running at the deadline', async () => {
    const client = new RawHttpConnection(port);
    await client.connected();
    await client.send('/never');
    await sleep(50);
    const started = Date.now();
    expect(await drain.drain()).toMatchObject({ inFlight: 1, cutOff: 1 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(1400);
    expect(await client.closed).toBe('ECONNRESET');
    expect(client.responses()).toEqual([]);
  });
});
