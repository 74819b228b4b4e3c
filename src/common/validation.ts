import { BadRequestException, ValidationPipe, type ValidationError } from '@nestjs/common';

/**
 * DTO validation for every endpoint: unknown fields are refused, wrong types are refused without coercion,
 * and each message reads `field: rule` so a client can tell exactly what to fix.
 */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    transform: true,
    transformOptions: { enableImplicitConversion: false },
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => new BadRequestException(flattenErrors(errors)),
  });
}

export function flattenErrors(errors: ValidationError[], prefix = ''): string[] {
  return errors.flatMap((error) => {
    const field = prefix ? `${prefix}.${error.property}` : error.property;
    const own = Object.entries(error.constraints ?? {}).map(([rule, message]) =>
      rule === 'whitelistValidation' ? `${field}: unknown field (not part of this request)` : `${field}: ${message}`,
    );
    return [...own, ...flattenErrors(error.children ?? [], field)];
  });
}
