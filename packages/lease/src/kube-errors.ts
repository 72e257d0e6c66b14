/**
 * Kubernetes API failures as `LockError`s: the one mapping both Kubernetes locks use, exported for users
 * who write their own lock on another kind of object (see the Secret lock example).
 */
import { STATUS_CODES } from 'node:http';
import { isLockError, LockError } from '@leasehold/core';

interface ApiExceptionLike {
  code: number;
  body?: unknown;
  message?: string;
  headers?: Record<string, string>;
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

/** `Retry-After` in ms, when the server sent it in seconds (as the API server does with 429 and 503). */
function retryAfterMs(headers: Record<string, string> | undefined): number | undefined {
  if (!headers) return undefined;
  const value = Object.entries(headers).find(([name]) => name.toLowerCase() === 'retry-after')?.[1];
  if (value === undefined || !/^\d+$/.test(value.trim())) return undefined;
  return Number(value.trim()) * 1000;
}

/**
 * 404 → NotFound; 409 → Conflict (stale resourceVersion, or AlreadyExists); 401/403 → Forbidden;
 * everything else (429, 5xx, 400/422 rejections, network errors, timeouts, aborts) → Unavailable, with the
 * server's own message kept and its `Retry-After` as `retryAfterMs`. A create's 404 names the missing
 * namespace (a create cannot meet a missing object): the elector reports it rather than treat it as
 * contention.
 */
export function kubeLockError(err: unknown, lock: string, action: string): LockError {
  if (isLockError(err)) return err; // already typed, e.g. Malformed from reading the answer
  if (isApiException(err)) {
    // client-node's own message carries the response headers (audit id, date): never part of ours, or every
    // repetition of one failure would read as a new one.
    const first = err.message?.split('\n')[0];
    const status =
      statusMessage(err.body) ??
      (first === undefined || first.startsWith('HTTP-Code') ? STATUS_CODES[err.code] : first) ??
      'no message';
    const message = `${action}: HTTP ${err.code}: ${status}`;
    const retryAfter = retryAfterMs(err.headers);
    switch (err.code) {
      case 404:
        return new LockError('NotFound', lock, message, { cause: err });
      case 409:
        return new LockError('Conflict', lock, message, { cause: err });
      case 401:
      case 403:
        return new LockError('Forbidden', lock, message, { cause: err });
      default:
        return new LockError('Unavailable', lock, message, {
          cause: err,
          ...(retryAfter !== undefined ? { retryAfterMs: retryAfter } : {}),
        });
    }
  }
  const message = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  return new LockError('Unavailable', lock, `${action}: ${message}`, { cause: err });
}

/** A failed watch as a `LockError`: client-node reports a refused watch as an Error with `statusCode`. */
export function watchLockError(err: unknown, lock: string): LockError {
  const code = (err as { statusCode?: unknown } | null)?.statusCode;
  if (typeof code === 'number') {
    const message = `watch: HTTP ${code}: ${err instanceof Error ? err.message : String(err)}`;
    const kind = code === 401 || code === 403 ? 'Forbidden' : code === 404 ? 'NotFound' : 'Unavailable';
    return new LockError(kind, lock, message, { cause: err });
  }
  return kubeLockError(err, lock, 'watch');
}
