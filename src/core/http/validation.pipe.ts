import { BadRequestException, ValidationError, ValidationPipe } from '@nestjs/common';
import { cacheValidationRules } from './validation-rules-cache';

function flatten(errors: ValidationError[], prefix = ''): string[] {
  return errors.flatMap((e) => {
    const at = prefix ? `${prefix}.${e.property}` : e.property;
    const own = Object.values(e.constraints ?? {}).map((m) =>
      m.startsWith(e.property) ? `${prefix ? prefix + '.' : ''}${m}` : `${at}: ${m}`,
    );
    return [...own, ...flatten(e.children ?? [], at)];
  });
}

/** Unknown fields are stripped (OpenCode's clients send fields we may not model); wrong types are 400. */
export function validationPipe(): ValidationPipe {
  cacheValidationRules();
  return new ValidationPipe({
    whitelist: true,
    transform: true,
    forbidUnknownValues: false,
    transformOptions: { enableImplicitConversion: false },
    exceptionFactory: (errors) => new BadRequestException(flatten(errors).join('; ') || 'Invalid input'),
  });
}
