// The one queue of reads about single documents: field reads, value reads, and the reads of
// "Cost and time" (./cost.ts, queued once the others are done), at most DOCUMENT_READS_IN_FLIGHT
// in flight in all.
import { RetabApiError } from './client.js';

/** Reads about single documents in flight at once, at most: field, value and cost reads together. */
const DOCUMENT_READS_IN_FLIGHT = 10;

/** Runs a read when a place is free; `first`: before any read queued without it. */
export type Slot = <T>(read: () => Promise<T>, first?: boolean) => Promise<T>;

/** Runs reads with at most DOCUMENT_READS_IN_FLIGHT in flight; the others wait in order of arrival. */
export function limitInFlight(): Slot {
  let active = 0;
  const waiting = { first: [] as Array<() => void>, rest: [] as Array<() => void> };
  return async <T>(read: () => Promise<T>, first = false): Promise<T> => {
    // A finished read hands its place to the next in line: nobody slips in between.
    if (active < DOCUMENT_READS_IN_FLIGHT) active++;
    else await new Promise<void>((resolve) => waiting[first ? 'first' : 'rest'].push(resolve));
    try {
      return await read();
    } finally {
      const next = waiting.first.shift() ?? waiting.rest.shift();
      if (next) next();
      else active--;
    }
  };
}

export type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };

/** A read that never rejects: a failed read is only a missing figure or value. */
export function settle<T>(promise: Promise<T>): Promise<Settled<T>> {
  return promise.then(
    (value) => ({ ok: true, value }),
    (error: unknown) => ({ ok: false, error }),
  );
}

/** Why a read failed, for the log: the status and request id, never the body (it may echo values). */
export function describeFailure(error: unknown): string {
  if (!(error instanceof RetabApiError)) return 'an unexpected failure';
  const id = error.requestId ? `, x-request-id ${error.requestId}` : '';
  if (error.kind === 'http') return `HTTP ${error.status}${id}`;
  if (error.kind === 'malformed') return `a malformed answer${id}`;
  return 'no answer';
}
