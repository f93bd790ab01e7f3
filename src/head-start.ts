import { channel } from 'node:diagnostics_channel';
import { readBaselineFingerprint } from './baseline-file.js';
import { readSpecFile, type SpecFile } from './spec-file.js';
import {
  readSettings,
  runnerInput,
  type CommentSettings,
  type SetSettings,
  type Settings,
} from './inputs.js';
import { createRetabClient, type RetabClient } from './retab/client.js';
import type { OpenedHistory } from './retab/evidence.js';
import { abortableSleep } from './retry.js';

/** Longest wait for the first request to be on the wire before the rest of the action loads. */
const ON_THE_WIRE_WAIT_MS = 1_000;

/**
 * What the action does before the rest of it loads (src/index.ts): read and check the inputs,
 * read the pinned baseline, and send the first read of the experiment's history to Retab. The
 * toolkit, the verdict, the report and the answers' schemas then load while that read is on the
 * wire, instead of before it. So this module and what it imports must stay light: no toolkit,
 * no zod (test/e2e/start-up.test.ts checks the bundle). Nothing here writes to the log: the
 * secrets are masked first (src/main.ts), then `log` prints what was held back.
 */
export type HeadStart = { abort: AbortController; log: HeldLog } & Started;

type Started =
  /** Bad inputs or an unreadable baseline file: nothing was sent. */
  | { mode: 'invalid'; error: unknown }
  | { mode: 'comment'; settings: CommentSettings }
  /** `mode: comment` with `reports`: it sends nothing to Retab, so nothing to start early. */
  | { mode: 'set'; settings: SetSettings }
  /** The client, and the first page of the run history, already sent. */
  | {
      mode: 'run';
      settings: Settings;
      /** The `spec` input's file, read and checked before any request. */
      spec: SpecFile | undefined;
      client: RetabClient;
      firstHistoryPage: Promise<OpenedHistory>;
    };

export async function headStart(): Promise<HeadStart> {
  const abort = new AbortController();
  const log = new HeldLog();
  // From the first instant: a cancelled workflow stops the reads (src/main.ts then fails the
  // step before anything is triggered, or cancels what was).
  const onSignal = (signal: string) => {
    log.write(`Received ${signal}: cancelling the Retab run.`, 'warning');
    abort.abort();
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  let settings: Settings | CommentSettings | SetSettings;
  let spec: SpecFile | undefined;
  try {
    settings = await withPinnedBaseline(readSettings(runnerInput), log);
    if (settings.mode === 'run' && settings.specPath) {
      spec = await readSpecFile(workspace(), settings.specPath);
    }
  } catch (error) {
    return { abort, log, mode: 'invalid', error };
  }
  if (settings.mode === 'comment') return { abort, log, mode: 'comment', settings };
  if (settings.mode === 'set') return { abort, log, mode: 'set', settings };

  const client = createRetabClient({
    baseUrl: settings.apiBaseUrl,
    apiKey: settings.apiKey,
    signal: abort.signal,
    sleep: abortableSleep,
    onRetry: (message) => log.write(message),
  });
  const onTheWire = headersSent(ON_THE_WIRE_WAIT_MS);
  // Both APIs' lists at once: the answers say which one the server speaks.
  const firstHistoryPage = client.openHistory(settings.workflowId, settings.experimentId);
  // Awaited by the evidence; until then, a failure must not count as unhandled.
  firstHistoryPage.catch(() => undefined);
  // Loading the rest blocks this thread: first let undici connect and write the request.
  await Promise.race([onTheWire, firstHistoryPage.then(noop, noop)]);
  return { abort, log, mode: 'run', settings, spec, client, firstHistoryPage };
}

/**
 * Resolves when undici has written the headers of the next request it sends, or after `ms`
 * (no connection yet: the rest loads anyway, and the log shows the retries without delay).
 */
function headersSent(ms: number): Promise<void> {
  const sendHeaders = channel('undici:client:sendHeaders');
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      sendHeaders.unsubscribe(done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    sendHeaders.subscribe(done);
  });
}

function noop(): void {}

/** Where the repository is checked out: files named by inputs are read from there. */
export function workspace(): string {
  return process.env.GITHUB_WORKSPACE || process.cwd();
}

/** With `baseline-file` and no `baseline-fingerprint`: the fingerprint pinned in the repository. */
async function withPinnedBaseline(
  settings: Settings | CommentSettings | SetSettings,
  log: HeldLog,
): Promise<Settings | CommentSettings | SetSettings> {
  if (settings.mode !== 'run' || settings.baselineFingerprint || !settings.baselineFile) {
    return settings;
  }
  const fingerprint = await readBaselineFingerprint(
    workspace(),
    settings.baselineFile,
    settings.experimentId,
  );
  log.write(`Baseline pinned in ${settings.baselineFile}: ${fingerprint}.`);
  return { ...settings, baselineFingerprint: fingerprint };
}

export type LogLevel = 'info' | 'warning';
type LogSink = (message: string, level: LogLevel) => void;

/** Log lines written before the log can take them (the secrets not yet masked), printed later. */
export class HeldLog {
  private held: Array<[string, LogLevel]> = [];
  private sink: LogSink | undefined;

  write(message: string, level: LogLevel = 'info'): void {
    if (this.sink) this.sink(message, level);
    else this.held.push([message, level]);
  }

  /** From now on, lines go to `sink`; the held ones first, in order. */
  open(sink: LogSink): void {
    this.sink = sink;
    for (const [message, level] of this.held.splice(0)) sink(message, level);
  }
}
