import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo, connect, Socket } from 'node:net';
import { HttpDrain } from './http-drain';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const BIG = 'x'.repeat(24 * 1024 * 1024);

interface Parsed {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** A raw HTTP/1.1 connection: requests written when the test says, every byte received kept. */
class RawClient {
  readonly socket: Socket;
  private readonly chunks: Buffer[] = [];
  readonly ended: Promise<{ error?: string }>;

  constructor(port: number) {
    this.socket = connect(port, '127.0.0.1');
    this.socket.on('data', (chunk) => this.chunks.push(chunk));
    this.ended = new Promise((resolve) => {
      this.socket.on('error', (error: NodeJS.ErrnoException) => resolve({ error: error.code ?? error.message }));
      this.socket.on('close', () => resolve({}));
    });
  }

  connected(): Promise<void> {
    return new Promise((resolve) => this.socket.once('connect', () => resolve()));
  }

  get(path: string): void {
    this.socket.write(`GET ${path} HTTP/1.1\r\nHost: test\r\n\r\n`);
  }

  /** The complete responses received, in order. */
  responses(): Parsed[] {
    let data = Buffer.concat(this.chunks);
    const parsed: Parsed[] = [];
    for (;;) {
      const end = data.indexOf('\r\n\r\n');
      if (end < 0) break;
      const [statusLine, ...lines] = data.subarray(0, end).toString('latin1').split('\r\n');
      const headers = Object.fromEntries(lines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]));
      const length = Number(headers['content-length']);
      if (data.length < end + 4 + length) break;
      parsed.push({ status: Number(statusLine.split(' ')[1]), headers, body: data.subarray(end + 4, end + 4 + length).toString() });
      data = data.subarray(end + 4 + length);
    }
    return parsed;
  }
}

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
    const client = new RawClient(port);
    client.get('/quick');
    await sleep(100);
    expect(client.responses()).toMatchObject([{ status: 200, body: 'ok' }]);
    const result = await drain.drain();
    expect(result).toMatchObject({ inFlight: 0, cutOff: 0, refused: 0 });
    expect(result.ms).toBeLessThan(100);
    expect(await client.ended).toEqual({});
    expect(server.listening).toBe(false);
  });

  it('lets requests in flight finish, refuses those arriving after on open connections, accepts no new connection', async () => {
    const client = new RawClient(port);
    client.get('/slow');
    await sleep(50);
    const draining = drain.drain();
    client.get('/quick'); // pipelined behind the slow one, after the signal
    const late = new RawClient(port);
    expect(await late.ended).toMatchObject({ error: 'ECONNREFUSED' });
    const result = await draining;
    expect(result).toMatchObject({ inFlight: 1, cutOff: 0, refused: 1 });
    await client.ended;
    const [slow, refused] = client.responses();
    expect(slow).toMatchObject({ status: 200, body: 'slow-done' });
    expect(refused).toMatchObject({ status: 503, body: 'shutting_down', headers: { connection: 'close' } });
  });

  it('answers 503 to a connection made before the signal whose request is read after it', async () => {
    const busy = new RawClient(port);
    busy.get('/slow');
    const fresh = new RawClient(port);
    await fresh.connected();
    await sleep(50);
    const draining = drain.drain();
    fresh.get('/quick');
    expect(await draining).toMatchObject({ inFlight: 1, cutOff: 0, refused: 1 });
    await Promise.all([busy.ended, fresh.ended]);
    expect(busy.responses()).toMatchObject([{ status: 200, body: 'slow-done' }]);
    expect(fresh.responses()).toMatchObject([{ status: 503, headers: { connection: 'close' } }]);
  });

  it('waits for an answer still being written (Node would count its connection idle)', async () => {
    const client = new RawClient(port);
    client.socket.pause(); // a slow reader: the answer is ended but cannot be written out yet
    client.get('/big');
    await sleep(100);
    const draining = drain.drain();
    await sleep(300);
    client.socket.resume();
    expect(await draining).toMatchObject({ inFlight: 1, cutOff: 0 });
    await client.ended;
    const [answer] = client.responses();
    expect(answer.status).toBe(200);
    expect(answer.body.length).toBe(BIG.length);
  });

  it('resets the connections of requests still running at the deadline', async () => {
    const client = new RawClient(port);
    await client.connected();
    client.get('/never');
    await sleep(50);
    const started = Date.now();
    expect(await drain.drain()).toMatchObject({ inFlight: 1, cutOff: 1 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(1400);
    expect(await client.ended).toEqual({ error: 'ECONNRESET' });
    expect(client.responses()).toEqual([]);
  });
});
