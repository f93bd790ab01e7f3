/** The action's own failures, and the one way to read any thrown value's message. */

/** An input (or a file an input names) is not of the accepted form: nothing was sent. */
export class InputError extends Error {
  override name = 'InputError';
}

/** A verdict of `error`: the evidence is missing or cannot be trusted. */
export class GateError extends Error {
  override name = 'GateError';
}

/** The message of whatever was thrown: an Error's own, or the value as text. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : `Unexpected failure: ${String(error)}`;
}
