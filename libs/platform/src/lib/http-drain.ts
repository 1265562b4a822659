import { Logger } from '@nestjs/common';
import type { IncomingMessage, RequestListener, Server, ServerResponse } from 'node:http';
import { Server as NetServer, Socket } from 'node:net';

export interface HttpDrainOptions {
  /** How long the requests in flight at the signal may take to finish before their connections are cut. */
  deadlineMs: number;
  /**
   * Answers a request that arrives after the signal (on a kept-alive or pipelined connection) and
   * ends the response. `Connection: close` is already set.
   */
  refuse: (request: IncomingMessage, response: ServerResponse) => void;
}

export interface DrainResult {
  /** Requests being answered when the drain began. */
  inFlight: number;
  /** Requests refused because they arrived after it began. */
  refused: number;
  /** Requests still being answered at the deadline, whose connections were reset. */
  cutOff: number;
  ms: number;
}

/**
 * Stops an HTTP server without cutting an answer short by accident. Installed on the server
 * before it listens, it keeps count of the requests being answered on each connection. `drain()`
 * then stops accepting connections, closes the idle kept-alive ones, and waits until every answer in flight
 * has been handed to the operating system; a request that still arrives on an open connection
 * (kept alive, or pipelined) is refused (`options.refuse`) and its connection closed. Requests
 * still running at the deadline have their connections reset (the client sees an error, never a
 * complete-looking but truncated answer) and are counted in the log. Then every connection left
 * (idle by then) is closed.
 *
 * Node's own `server.close()` is not used: it destroys "idle" connections, and a connection whose
 * answer has been ended but is still being written (megabytes of JSON) counts as idle there.
 */
export class HttpDrain {
  private readonly logger = new Logger('Http');
  /** Open connections → requests received on them, and answers not yet handed to the operating system. */
  private readonly connections = new Map<Socket, { requests: number; busy: number }>();
  /** Answers not yet handed to the operating system. */
  private readonly pending = new Set<ServerResponse>();
  private readonly refusals = new WeakSet<ServerResponse>();
  private refused = 0;
  private draining?: Promise<DrainResult>;
  private settled?: () => void;

  constructor(
    private readonly server: Server,
    private readonly options: HttpDrainOptions,
  ) {
    const listeners = server.listeners('request') as RequestListener[];
    server.removeAllListeners('request');
    server.on('request', (request: IncomingMessage, response: ServerResponse) => {
      this.track(request, response);
      if (this.draining) {
        this.refused++;
        this.refusals.add(response);
        response.setHeader('Connection', 'close');
        this.options.refuse(request, response);
        return;
      }
      for (const listener of listeners) listener.call(server, request, response);
    });
    server.on('connection', (socket: Socket) => {
      this.connections.set(socket, { requests: 0, busy: 0 });
      socket.once('close', () => this.connections.delete(socket));
    });
  }

  /** Drains the server (once; later calls get the same result). */
  drain(): Promise<DrainResult> {
    this.draining ??= this.run();
    return this.draining;
  }

  private track(request: IncomingMessage, response: ServerResponse): void {
    const socket = request.socket;
    this.pending.add(response);
    const connection = this.connections.get(socket);
    if (connection) {
      connection.requests++;
      connection.busy++;
    }
    let done = false;
    const finished = () => {
      if (done) return;
      done = true;
      this.pending.delete(response);
      if (connection) connection.busy--;
      if (this.pending.size === 0) this.settled?.();
    };
    // 'finish': the whole answer is with the operating system; 'close' too when the connection went first.
    response.once('finish', finished);
    response.once('close', finished);
  }

  private async run(): Promise<DrainResult> {
    const started = Date.now();
    const inFlight = this.pending.size;
    // Stop accepting connections (net's close: http's would also destroy connections still writing an answer).
    if (this.server.listening) NetServer.prototype.close.call(this.server);
    // Kept-alive connections between requests close; a new one whose request has not been read yet
    // stays open until the drain ends, so that its request is answered (503) rather than reset.
    for (const [socket, { requests, busy }] of this.connections) if (requests > 0 && busy === 0) socket.destroy();
    if (inFlight > 0) this.logger.log(`stopping: no new connections; waiting for ${inFlight} request(s) in flight (at most ${this.options.deadlineMs} ms)`);

    if (this.pending.size > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, this.options.deadlineMs);
        this.settled = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.settled = undefined;
    }

    let cutOff = 0;
    for (const response of this.pending) {
      if (!this.refusals.has(response)) cutOff++;
      reset(response.req.socket);
    }
    // No answer is being written on the connections left: the operating system still delivers what they were sent.
    for (const socket of this.connections.keys()) socket.destroy();
    const ms = Date.now() - started;
    if (cutOff > 0) {
      this.logger.warn(`stopping: cut off ${cutOff} request(s) still running after ${this.options.deadlineMs} ms (their connections were reset); ${inFlight - cutOff} finished`);
    } else if (inFlight > 0) {
      this.logger.log(`stopping: the ${inFlight} request(s) in flight finished in ${ms} ms`);
    }
    return { inFlight, refused: this.refused, cutOff, ms };
  }
}

/** Closes a connection with a TCP reset: the client sees an error, not an answer that merely ended early. */
function reset(socket: Socket): void {
  if (socket.destroyed) return;
  try {
    socket.resetAndDestroy();
  } catch {
    socket.destroy();
  }
}
