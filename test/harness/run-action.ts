// Runs the bundled action (dist/index.js) the way the GitHub runner does: a separate Node process,
// an environment built from scratch, INPUT_* variables, and the GITHUB_OUTPUT / GITHUB_STEP_SUMMARY
// files read back afterwards. Spawned asynchronously: the fakes live on the caller's event loop.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface ActionRun {
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
  summary: string;
  durationMs: number;
}

export interface RunActionOptions {
  /** e.g. {'api-key': 'k'} -> INPUT_API-KEY=k (name upper-cased, hyphens kept). */
  inputs: Record<string, string>;
  /** Default 'pull_request'. */
  eventName?: string;
  /** Written to GITHUB_EVENT_PATH; default: a pull request #7 payload (other events: repository only). */
  event?: unknown;
  /** GITHUB_API_URL (GITHUB_GRAPHQL_URL = url + '/graphql'); default: a closed loopback port. */
  githubApiUrl?: string;
  /** Default 'acme/invoices'. */
  repository?: string;
  /** Extra environment variables (win over the built ones). */
  env?: Record<string, string>;
  /** Default: <repo>/dist/index.js. */
  entry?: string;
  /**
   * SIGTERM after this long (SIGKILL 2 s later), default 120000: a guard against a hung action,
   * far beyond any run's time on a busy machine; tests never measure time with it.
   */
  timeoutMs?: number;
  onSpawn?: (child: ChildProcess) => void;
}

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const DEFAULT_ENTRY = join(REPO_ROOT, 'dist', 'index.js');
export const DEFAULT_SHA = '6dcb09b5b57875f334f61aebed695e2e4193db5e';
/** Nothing listens on port 9 (discard): an action that reaches for GitHub unasked fails fast. */
const UNREACHABLE_API = 'http://127.0.0.1:9';

/** The action runs on node24: prefer the project's own Node when the caller's is older. */
function nodeBinary(): string {
  const major = Number(process.versions.node.split('.')[0]);
  const local = join(REPO_ROOT, 'node_modules', 'node', 'bin', 'node');
  return major < 24 && existsSync(local) ? local : process.execPath;
}

export function inputEnvName(name: string): string {
  // Same rule as @actions/core getInput: spaces become underscores, hyphens stay.
  return `INPUT_${name.replace(/ /g, '_').toUpperCase()}`;
}

export function defaultEvent(eventName: string, repository: string): unknown {
  const [owner = 'acme', name = 'invoices'] = repository.split('/');
  const repo = {
    id: 123_456_789,
    name,
    full_name: repository,
    owner: { login: owner },
    html_url: `https://github.com/${repository}`,
  };
  if (eventName !== 'pull_request' && eventName !== 'pull_request_target') {
    return { repository: repo, sender: { login: 'octocat' } };
  }
  return {
    action: 'synchronize',
    number: 7,
    pull_request: {
      number: 7,
      html_url: `https://github.com/${repository}/pull/7`,
      head: { sha: 'abc', ref: 'feature/invoices', repo: { full_name: repository } },
      base: { sha: 'def', ref: 'main', repo: { full_name: repository } },
    },
    repository: repo,
    sender: { login: 'octocat' },
  };
}

/** Parses a GITHUB_OUTPUT file: `name<<DELIM\nvalue\nDELIM` blocks and plain `name=value` lines. */
export function parseOutputFile(text: string): Record<string, string> {
  const outputs: Record<string, string> = {};
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    if (line === '') continue;
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line);
    if (heredoc !== null) {
      const name = heredoc[1] ?? '';
      const delimiter = heredoc[2] ?? '';
      const value: string[] = [];
      i += 1;
      while (i < lines.length && lines[i] !== delimiter) {
        value.push(lines[i] ?? '');
        i += 1;
      }
      if (i >= lines.length) throw new Error(`GITHUB_OUTPUT: no closing delimiter for ${name}`);
      outputs[name] = value.join('\n');
      continue;
    }
    const eq = line.indexOf('=');
    if (eq > 0) {
      outputs[line.slice(0, eq)] = line.slice(eq + 1);
      continue;
    }
    throw new Error(`GITHUB_OUTPUT: cannot parse line ${JSON.stringify(line)}`);
  }
  return outputs;
}

export async function runAction(opts: RunActionOptions): Promise<ActionRun> {
  const eventName = opts.eventName ?? 'pull_request';
  const repository = opts.repository ?? 'acme/invoices';
  const entry = opts.entry ?? DEFAULT_ENTRY;
  const timeoutMs = opts.timeoutMs ?? 120_000;
  const apiUrl = (opts.githubApiUrl ?? UNREACHABLE_API).replace(/\/+$/, '');

  const root = await mkdtemp(join(tmpdir(), 'experiment-gate-run-'));
  try {
    const runnerTemp = join(root, 'runner-temp');
    const workspace = join(root, 'workspace');
    const home = join(root, 'home');
    await Promise.all([mkdir(runnerTemp), mkdir(workspace), mkdir(home)]);
    const files = {
      event: join(root, 'event.json'),
      output: join(runnerTemp, 'github_output'),
      summary: join(runnerTemp, 'step_summary'),
      env: join(runnerTemp, 'github_env'),
      path: join(runnerTemp, 'github_path'),
      state: join(runnerTemp, 'github_state'),
    };
    await writeFile(files.event, JSON.stringify(opts.event ?? defaultEvent(eventName, repository)));
    await Promise.all(
      [files.output, files.summary, files.env, files.path, files.state].map((f) =>
        writeFile(f, ''),
      ),
    );

    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: home,
      CI: 'true',
      GITHUB_ACTIONS: 'true',
      RUNNER_OS: 'Linux',
      RUNNER_TEMP: runnerTemp,
      GITHUB_WORKSPACE: workspace,
      GITHUB_EVENT_NAME: eventName,
      GITHUB_EVENT_PATH: files.event,
      GITHUB_REPOSITORY: repository,
      GITHUB_REPOSITORY_OWNER: repository.split('/')[0] ?? '',
      GITHUB_API_URL: apiUrl,
      GITHUB_GRAPHQL_URL: `${apiUrl}/graphql`,
      GITHUB_SERVER_URL: 'https://github.com',
      GITHUB_RUN_ID: '1234',
      GITHUB_RUN_NUMBER: '1',
      GITHUB_RUN_ATTEMPT: '1',
      GITHUB_WORKFLOW: 'experiment',
      GITHUB_JOB: 'gate',
      GITHUB_ACTION: 'experiment-gate',
      GITHUB_ACTOR: 'octocat',
      GITHUB_SHA: DEFAULT_SHA,
      GITHUB_REF: eventName.startsWith('pull_request') ? 'refs/pull/7/merge' : 'refs/heads/main',
      GITHUB_OUTPUT: files.output,
      GITHUB_STEP_SUMMARY: files.summary,
      GITHUB_ENV: files.env,
      GITHUB_PATH: files.path,
      GITHUB_STATE: files.state,
    };
    for (const [name, value] of Object.entries(opts.inputs)) env[inputEnvName(name)] = value;
    Object.assign(env, opts.env);

    const started = Date.now();
    const child = spawn(nodeBinary(), [entry], {
      cwd: workspace,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    opts.onSpawn?.(child);

    let killTimer: ReturnType<typeof setTimeout> | undefined;
    const timer = setTimeout(() => {
      stderr += `\n[run-action] timed out after ${timeoutMs} ms: SIGTERM\n`;
      child.kill('SIGTERM');
      killTimer = setTimeout(() => child.kill('SIGKILL'), 2000);
    }, timeoutMs);
    const { code, signal } = await new Promise<{ code: number | null; signal: string | null }>(
      (resolveExit, reject) => {
        child.once('error', reject);
        child.once('close', (c, s) => resolveExit({ code: c, signal: s }));
      },
    ).finally(() => {
      clearTimeout(timer);
      if (killTimer !== undefined) clearTimeout(killTimer);
    });
    const durationMs = Date.now() - started;

    const [outputText, summary] = await Promise.all([
      readFile(files.output, 'utf8'),
      readFile(files.summary, 'utf8'),
    ]);
    return {
      code,
      signal,
      stdout,
      stderr,
      outputs: parseOutputFile(outputText),
      summary,
      durationMs,
    };
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}
