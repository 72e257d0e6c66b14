/**
 * Per-request options for @kubernetes/client-node's object-parameter API: the abort signal the elector hands
 * every lock call, and the content type of a JSON merge patch.
 */
import {
  type ConfigurationOptions,
  Observable,
  type RequestContext,
  type ResponseContext,
} from '@kubernetes/client-node';

/** The content type of a JSON merge patch (RFC 7386). */
export const MERGE_PATCH = 'application/merge-patch+json';

/** client-node per-request options that abort the request on `signal` and, for patches, set `contentType`. */
export function requestOptions(signal: AbortSignal | undefined, contentType?: string): ConfigurationOptions {
  return {
    middleware: [
      {
        pre: (context: RequestContext) => {
          if (signal) context.setSignal(signal);
          if (contentType) context.setHeaderParam('Content-Type', contentType);
          return new Observable(Promise.resolve(context));
        },
        post: (context: ResponseContext) => new Observable(Promise.resolve(context)),
      },
    ],
    middlewareMergeStrategy: 'append',
  };
}
