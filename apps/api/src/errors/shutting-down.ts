import { HttpStatus } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * The answer to a request that arrives on an open connection after the API was told to stop
 * (SIGTERM/SIGINT): 503 `shutting_down`, in the API's error body, and the connection closes.
 */
export function refuseWhileShuttingDown(_request: IncomingMessage, response: ServerResponse): void {
  const body = JSON.stringify({
    error: 'shutting_down',
    message: 'the API is shutting down and takes no new requests; send the request again (it is answered once the API runs again)',
  });
  response.writeHead(HttpStatus.SERVICE_UNAVAILABLE, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
    Connection: 'close',
  });
  response.end(body);
}
