import { type ArgumentMetadata, BadRequestException, ValidationPipe, type ValidationError } from '@nestjs/common';

// class-transformer drops these keys silently, so the whitelist below never sees them: refused by name instead,
// like any other unknown field (a body `{"__proto__": …, …valid fields}` would otherwise be accepted).
const PROTOTYPE_KEYS = ['__proto__', 'constructor', 'prototype'];
/** Deepest nesting accepted in a body or query: every DTO is flat, and class-transformer recurses once per level. */
export const MAX_NESTING = 32;

/** The ValidationPipe, after a shape check of what class-transformer must not be handed. */
class HubValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if ((metadata.type === 'body' || metadata.type === 'query') && this.toValidate(metadata)) refuseHostileShape(value, metadata.type);
    return super.transform(value, metadata);
  }
}

function refuseHostileShape(value: unknown, where: string): void {
  if (typeof value !== 'object' || value === null) return;
  const key = PROTOTYPE_KEYS.find((name) => Object.hasOwn(value, name));
  if (key) throw new BadRequestException(`${key}: unknown field (not part of this request)`);
  if (nestedDeeperThan(value, MAX_NESTING)) {
    throw new BadRequestException(`${where}: must not nest objects or arrays more than ${MAX_NESTING} levels deep`);
  }
}

function nestedDeeperThan(value: unknown, levels: number): boolean {
  if (typeof value !== 'object' || value === null) return false;
  if (levels === 0) return true;
  return Object.values(value).some((child) => nestedDeeperThan(child, levels - 1));
}

/**
 * DTO validation for every endpoint: unknown fields are refused, wrong types are refused without coercion,
 * and each message reads `field: rule` so a client can tell exactly what to fix.
 */
export function createValidationPipe(): ValidationPipe {
  return new HubValidationPipe({
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
