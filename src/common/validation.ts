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

// When a field breaks several rules, the most basic one is the one worth reading: "is required" before
// "must be a string" before "must be at most 1024 characters".
const RULE_PRIORITY = ['whitelistValidation', 'isDefined', 'isString', 'isInt'];
const rank = (rule: string) => (RULE_PRIORITY.includes(rule) ? RULE_PRIORITY.indexOf(rule) : RULE_PRIORITY.length);

export function flattenErrors(errors: ValidationError[], prefix = ''): string[] {
  return errors.flatMap((error) => {
    const field = prefix ? `${prefix}.${error.property}` : error.property;
    const [first] = Object.entries(error.constraints ?? {}).sort(([a], [b]) => rank(a) - rank(b));
    const own = first
      ? [first[0] === 'whitelistValidation' ? `${field}: unknown field (not part of this request)` : `${field}: ${first[1]}`]
      : [];
    return [...own, ...flattenErrors(error.children ?? [], field)];
  });
}
