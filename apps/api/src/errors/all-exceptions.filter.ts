import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { Response } from 'express';
import { ApiError } from './api-error';
import { isRedisUnavailable } from '@bqm/platform';

const CODES: Record<number, string> = {
  400: 'invalid_parameter',
  404: 'not_found',
  405: 'method_not_allowed',
  409: 'conflict',
  413: 'payload_too_large',
};

/**
 * Turns every failure into the API's error body. Errors the API did not raise itself (a route
 * that does not exist, a malformed request) get a code from their status; anything unexpected
 * is logged and answered as a 500 without internals.
 */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger('Api');

  catch(exception: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const body = exception.getResponse();
      if (exception instanceof ApiError) {
        response.status(status).json(body);
        return;
      }
      const message = typeof body === 'string' ? body : ((body as { message?: unknown }).message ?? exception.message);
      response.status(status).json({
        error: CODES[status] ?? (status >= 500 ? 'internal_error' : 'request_error'),
        message: Array.isArray(message) ? message.join('; ') : String(message),
      });
      return;
    }
    if (isRedisUnavailable(exception)) {
      response.status(HttpStatus.SERVICE_UNAVAILABLE).json({
        error: 'store_unavailable',
        message: 'Redis, where the state is kept, does not answer right now; try again shortly (GET /ready tells when it is back)',
      });
      return;
    }
    this.logger.error(exception instanceof Error ? exception.stack : String(exception));
    response
      .status(HttpStatus.INTERNAL_SERVER_ERROR)
      .json({ error: 'internal_error', message: 'the server failed to answer; the error is in its log' });
  }
}
