import { Buffer } from 'node:buffer';
import { open, realpath } from 'node:fs/promises';
import { isAbsolute, relative, resolve } from 'node:path';
import { InputError } from './errors.js';
import { INPUT } from './names.js';

/** The largest spec accepted: an export is a few kilobytes; a JSON schema may make it more. */
export const SPEC_MAX_BYTES = 1024 * 1024;

/** The workflow's spec as the pull request proposes it. Its text is never printed. */
export interface SpecFile {
  /** As the input gave it, for messages. */
  path: string;
  text: string;
}

const FORM =
  "the path of the workflow's spec (YAML, as Retab exports it) inside the repository, at most 1 MiB";

/**
 * Reads the `spec` input's file: inside the workspace (links resolved), a regular file, at most
 * 1 MiB. Any other: one error naming the input and the accepted form, before any request.
 */
export async function readSpecFile(workspace: string, file: string): Promise<SpecFile> {
  const fail = (why: string) =>
    new InputError(`Input '${INPUT.spec}': ${why}; it must be ${FORM}.`);
  let root: string;
  let path: string;
  try {
    root = await realpath(workspace);
    path = await realpath(resolve(root, file));
  } catch (error) {
    const code = (error as { code?: string }).code ?? 'unreadable';
    const hint = code === 'ENOENT' ? ' (check out the repository first: actions/checkout)' : '';
    throw fail(`cannot read '${file}' (${code})${hint}`);
  }
  const inside = relative(root, path);
  if (inside === '' || inside.startsWith('..') || isAbsolute(inside)) {
    throw fail(`'${file}' is outside the workspace`);
  }
  const handle = await open(path, 'r').catch((error: { code?: string }) => {
    throw fail(`cannot read '${file}' (${error.code ?? 'unreadable'})`);
  });
  try {
    const info = await handle.stat();
    if (!info.isFile()) throw fail(`'${file}' is not a file`);
    if (info.size > SPEC_MAX_BYTES) throw fail(`'${file}' is ${info.size} bytes`);
    // Read at most one byte past the limit: a file that grows meanwhile is still refused.
    const buffer = Buffer.alloc(SPEC_MAX_BYTES + 1);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    if (bytesRead > SPEC_MAX_BYTES) throw fail(`'${file}' is over ${SPEC_MAX_BYTES} bytes`);
    const text = buffer.subarray(0, bytesRead).toString('utf8');
    if (text.trim() === '') throw fail(`'${file}' is empty`);
    return { path: file, text };
  } finally {
    await handle.close();
  }
}
