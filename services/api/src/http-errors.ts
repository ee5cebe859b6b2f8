// One JSON error shape for every failure: { error, message, requestId }. `error` is a stable
// machine-readable code; `message` says what was wrong and, where it can, how to fix it.

export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

const codes: Record<number, string> = {
  400: 'bad_request',
  404: 'not_found',
  405: 'method_not_allowed',
  409: 'conflict',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  500: 'internal_error',
  503: 'unavailable',
};

export function errorCode(statusCode: number): string {
  return codes[statusCode] ?? (statusCode >= 500 ? 'internal_error' : 'bad_request');
}

export const errorBodySchema = {
  type: 'object',
  properties: {
    error: { type: 'string' },
    message: { type: 'string' },
    requestId: { type: 'string' },
    currentVersion: { type: 'integer' },
  },
} as const;
