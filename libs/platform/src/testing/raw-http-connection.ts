import { connect, Socket } from 'node:net';

export interface RawHttpResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** What one request got: a complete answer, or how its connection failed. */
export type RawHttpOutcome = { status: number; body: string } | { failed: string };

/**
 * One raw HTTP/1.1 keep-alive connection, for tests of how a server stops: requests go out when
 * the test says (after a signal too, as a keep-alive or pipelining client would send them), and
 * every byte received is kept, so that a reset, a clean close and an answer cut short are told
 * apart (fetch hides these).
 */
export class RawHttpConnection {
  readonly socket: Socket;
  private readonly chunks: Buffer[] = [];
  private readonly connection: Promise<void>;
  /** The connection's end: the error code of a reset (or any other error), or undefined for a clean close. */
  readonly closed: Promise<string | undefined>;

  constructor(port: number) {
    this.socket = connect(port, '127.0.0.1');
    this.socket.on('data', (chunk) => this.chunks.push(chunk));
    this.connection = new Promise((resolve) => this.socket.once('connect', () => resolve()));
    this.closed = new Promise((resolve) => {
      let error: string | undefined;
      this.socket.on('error', (problem: NodeJS.ErrnoException) => (error = problem.code ?? problem.message));
      this.socket.on('close', () => resolve(error));
    });
  }

  connected(): Promise<void> {
    return this.connection;
  }

  /** Sends a GET; resolves once its bytes are with the operating system. */
  async send(path: string): Promise<void> {
    await this.connection;
    await new Promise<void>((resolve, reject) =>
      this.socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`, (error) => (error ? reject(error) : resolve())),
    );
  }

  /** The complete responses received, in order. */
  responses(): RawHttpResponse[] {
    return this.parse().responses;
  }

  /**
   * What the first request got, once the connection is closed: its complete answer; a connection
   * error; or, if the connection closed cleanly in the middle of an answer, that answer as far as
   * it came (a 200 cut short, which a test of a clean stop must catch).
   */
  async outcome(): Promise<RawHttpOutcome> {
    const error = await this.closed;
    const { responses, rest } = this.parse();
    if (responses.length > 0) return responses[0];
    if (error) return { failed: error };
    if (rest.length === 0) return { failed: 'closed without an answer' };
    return { status: Number(/^HTTP\/1\.1 (\d+)/.exec(rest.toString('latin1'))?.[1] ?? 0), body: rest.toString() };
  }

  private parse(): { responses: RawHttpResponse[]; rest: Buffer } {
    let data = Buffer.concat(this.chunks);
    const responses: RawHttpResponse[] = [];
    for (;;) {
      const end = data.indexOf('\r\n\r\n');
      if (end < 0) break;
      const [statusLine, ...lines] = data.subarray(0, end).toString('latin1').split('\r\n');
      const headers = Object.fromEntries(lines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]));
      const length = Number(headers['content-length']);
      if (!(length >= 0) || data.length < end + 4 + length) break;
      responses.push({ status: Number(statusLine.split(' ')[1]), headers, body: data.subarray(end + 4, end + 4 + length).toString() });
      data = data.subarray(end + 4 + length);
    }
    return { responses, rest: data };
  }
}
