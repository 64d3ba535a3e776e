import { RequestMethod, applyDecorators } from '@nestjs/common';
import { HTTP_CODE_METADATA, METHOD_METADATA } from '@nestjs/common/constants';
import { ApiOperation, ApiResponse, type ApiResponseOptions } from '@nestjs/swagger';

type SchemaObject = NonNullable<Extract<ApiResponseOptions, { schema?: unknown }>['schema']>;

/** What each documented error status means in this API; the body is always OpenCode's `{name, data: {message}}`. */
const ERROR_MEANING: Record<number, [name: string, description: string]> = {
  400: ['BadRequest', 'Invalid input: a field is missing, malformed, or the operation does not apply here.'],
  401: ['UnauthorizedError', 'No credentials, or an unknown, revoked or expired API key or token.'],
  403: ['ForbiddenError', "The caller's role may not do this (e.g. a teacher changing a student's workspace)."],
  404: ['NotFoundError', "No such resource for this caller; another school's or another student's is a 404 too."],
  409: ['ConflictError', 'The resource is busy or already exists (e.g. a session with a running turn).'],
  413: ['PayloadTooLargeError', 'The body or a field is over its size limit.'],
  429: ['TooManyRequestsError', "A rate limit or the school's budget is spent; `data.code` says which."],
};

/** The error body schema, inline so every documented 4xx shows the shape clients parse. */
export const ERROR_SCHEMA: SchemaObject = {
  type: 'object',
  required: ['name', 'data'],
  properties: {
    name: { type: 'string', example: 'NotFoundError' },
    data: {
      type: 'object',
      required: ['message'],
      additionalProperties: true,
      properties: {
        message: { type: 'string', example: 'Session not found: ses_0123' },
        code: { type: 'string', example: 'not_found' },
        requestId: { type: 'string' },
      },
    },
  },
};

/**
 * Swagger metadata for one operation: a summary (shown in the operation list), a description, and the 4xx statuses it
 * can answer, each with the error body. 401 is added to every operation that needs credentials by the document
 * builder, so callers list only the statuses specific to the operation.
 */
export function ApiDoc(summary: string, description: string, errors: number[] = []): MethodDecorator {
  return applyDecorators(
    ApiOperation({ summary, description }),
    DocumentedSuccess(),
    ...errors.map((status) => {
      const [name, meaning] = ERROR_MEANING[status] ?? ['BadRequest', 'Refused.'];
      return ApiResponse({
        status,
        description: `${name}: ${meaning}`,
        // Always JSON, also on operations that produce text (GET /vcs/diff/raw).
        content: {
          'application/json': {
            schema: {
              ...ERROR_SCHEMA,
              properties: { ...ERROR_SCHEMA.properties, name: { type: 'string', example: name } },
            },
          },
        },
      });
    }),
  );
}

/** Where @nestjs/swagger keeps an operation's documented responses (its `DECORATORS.API_RESPONSE`). */
const API_RESPONSE_METADATA = 'swagger/apiResponse';

/**
 * Swagger documents Nest's own success status (201 for POST, 200 otherwise, or the @HttpCode) only for operations
 * without any @ApiResponse; declaring the 4xx above would drop it. This puts it back, unless the operation documents
 * a 2xx of its own. It reads the route's metadata once the class is fully decorated, because @HttpCode and the route
 * decorator may sit above @ApiDoc.
 */
function DocumentedSuccess(): MethodDecorator {
  return (target, key, descriptor) => {
    const handler = descriptor.value as object;
    queueMicrotask(() => {
      const responses = (Reflect.getMetadata(API_RESPONSE_METADATA, handler) ?? {}) as Record<string, unknown>;
      if (Object.keys(responses).some((status) => status.startsWith('2'))) return;
      const status =
        (Reflect.getMetadata(HTTP_CODE_METADATA, handler) as number | undefined) ??
        (Reflect.getMetadata(METHOD_METADATA, handler) === RequestMethod.POST ? 201 : 200);
      ApiResponse({ status, description: 'Success.' })(target, key, descriptor);
    });
  };
}
