import { HttpException, HttpStatus } from '@nestjs/common';

/**
 * Every error the API answers: a stable `error` code a program can test, and a `message` a person
 * understands; some add facts (how far a file is processed, where it ends).
 */
export class ApiError extends HttpException {
  constructor(
    status: HttpStatus,
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super({ error: code, message, ...details }, status);
  }

  static badRequest(message: string, details: Record<string, unknown> = {}): ApiError {
    return new ApiError(HttpStatus.BAD_REQUEST, 'invalid_parameter', message, details);
  }
}
