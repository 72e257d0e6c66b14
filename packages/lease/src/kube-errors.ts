/**
 * Kubernetes API failures as `LockError`s: the one mapping both Kubernetes locks use, exported for users
 * who write their own lock on another kind of object (see the Secret lock example).
 */
import { LockError } from '@leasehold/core';

interface ApiExceptionLike {
  code: number;
  body?: unknown;
  message?: string;
}

function isApiException(err: unknown): err is ApiExceptionLike {
  return typeof err === 'object' && err !== null && typeof (err as ApiExceptionLike).code === 'number';
}

/** The Status message the API server sent, if any. */
function statusMessage(body: unknown): string | undefined {
  if (typeof body === 'string') {
    try {
      return statusMessage(JSON.parse(body));
    } catch {
      return body.slice(0, 500);
    }
  }
  if (
    typeof body === 'object' &&
    body !== null &&
    typeof (body as { message?: unknown }).message === 'string'
  ) {
    return (body as { message: string }).message;
  }
  return undefined;
}

/**
 * 404 -> NotFound; 409 -> Conflict (stale resourceVersion, or AlreadyExists); 401/403 -> Forbidden;
 * everything else (429, 5xx, 400/422 rejections, network errors, timeouts, aborts) -> Unavailable, with the
 * server's own message kept.
 */
export function kubeLockError(err: unknown, lock: string, action: string): LockError {
  if (isApiException(err)) {
    const message = `${action}: HTTP ${err.code}: ${statusMessage(err.body) ?? err.message ?? 'no message'}`;
    switch (err.code) {
      case 404:
        return new LockError('NotFound', lock, message, { cause: err });
      case 409:
        return new LockError('Conflict', lock, message, { cause: err });
      case 401:
      case 403:
        return new LockError('Forbidden', lock, message, { cause: err });
      default:
        return new LockError('Unavailable', lock, message, { cause: err });
    }
  }
  const message = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  return new LockError('Unavailable', lock, `${action}: ${message}`, { cause: err });
}
