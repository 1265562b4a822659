import { fileNameProblem } from '@bqm/store';
import { ValidationError, ValidationPipe } from '@nestjs/common';
import { registerDecorator, ValidationArguments, ValidationOptions } from 'class-validator';
import { ApiError } from './api-error';

function describe(errors: ValidationError[]): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const error of errors) {
    fields[error.property] = error.constraints?.['whitelistValidation']
      ? 'is not a parameter of this endpoint'
      : (Object.values(error.constraints ?? {})[0] ?? 'is invalid');
  }
  return fields;
}

/**
 * Checks query strings and params against their DTO; answers 400 naming each bad field. A
 * parameter the endpoint does not know is an error too (`includeRemoved[]=true` must not be
 * silently ignored).
 */
export const validationPipe = new ValidationPipe({
  transform: true,
  whitelist: true,
  forbidNonWhitelisted: true,
  forbidUnknownValues: false,
  exceptionFactory: (errors) => {
    const fields = describe(errors);
    return ApiError.badRequest(
      Object.entries(fields)
        .map(([field, problem]) => `${field}: ${problem}`)
        .join('; '),
      { fields },
    );
  },
});

export function IsFileName(options?: ValidationOptions): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isFileName',
      target: target.constructor,
      propertyName: String(propertyName),
      options,
      validator: {
        validate: (value: unknown) => typeof value === 'string' && fileNameProblem(value) === undefined,
        defaultMessage: (args?: ValidationArguments) =>
          typeof args?.value === 'string' ? fileNameProblem(args.value)! : 'must be a single file name',
      },
    });
}

const BLOCK_NUMBER = /^(0|[1-9][0-9]{0,15})$/;

/** A block number in a query string: a non-negative integer written plainly (or `latest` where allowed). */
export function IsBlockNumber(options: ValidationOptions & { allowLatest?: boolean } = {}): PropertyDecorator {
  const { allowLatest, ...validationOptions } = options;
  return (target, propertyName) =>
    registerDecorator({
      name: 'isBlockNumber',
      target: target.constructor,
      propertyName: String(propertyName),
      options: validationOptions,
      validator: {
        validate: (value: unknown) =>
          typeof value === 'string' &&
          ((allowLatest && value === 'latest') || (BLOCK_NUMBER.test(value) && Number.isSafeInteger(Number(value)))),
        defaultMessage: (args?: ValidationArguments) =>
          `must be a non-negative integer${allowLatest ? ' or "latest"' : ''}, got ${JSON.stringify(args?.value)}`,
      },
    });
}

/**
 * The query of an endpoint that takes no parameters: with the pipe's `forbidNonWhitelisted`, any
 * parameter given is answered 400, as on every other endpoint (`/files?fileName=x` must not
 * silently list every file).
 */
export class NoQueryDto {}
