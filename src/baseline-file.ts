import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { INPUT } from './names.js';
import { errorMessage, InputError } from './errors.js';
import { parseFingerprint } from './inputs.js';

const FORM =
  'a JSON file in the repository mapping experiment ids to baseline fingerprints, ' +
  'such as {"exp_abc": "0ff93ddc7cefcb42"}';

/** The baseline fingerprint pinned for `experimentId` in the repository's baseline file. */
export async function readBaselineFingerprint(
  workspace: string,
  file: string,
  experimentId: string,
): Promise<string> {
  let text: string;
  try {
    text = await readFile(resolve(workspace, file), 'utf8');
  } catch (error) {
    const code = (error as { code?: string }).code ?? 'unreadable';
    const hint = code === 'ENOENT' ? ' Check out the repository first (actions/checkout).' : '';
    throw new InputError(
      `Input '${INPUT.baselineFile}': cannot read '${file}' (${code}); it must be ${FORM}.${hint}`,
    );
  }
  return pickFingerprint(text, file, experimentId);
}

/** Pure: the fingerprint for `experimentId` in the file's text, or one clear error. */
function pickFingerprint(text: string, file: string, experimentId: string): string {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new InputError(
      `Input '${INPUT.baselineFile}': '${file}' is not JSON; it must be ${FORM}.`,
    );
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new InputError(`Input '${INPUT.baselineFile}': '${file}' must be ${FORM}.`);
  }
  const entries = data as Record<string, unknown>;
  const value = entries[experimentId];
  if (value === undefined) {
    const known = Object.keys(entries).slice(0, 10).join(', ') || 'none';
    throw new InputError(
      `Input '${INPUT.baselineFile}': '${file}' pins no baseline for experiment ${experimentId} ` +
        `(experiments in it: ${known}). Add "${experimentId}": "<fingerprint>", or set 'baseline-fingerprint'.`,
    );
  }
  try {
    return parseFingerprint(String(value));
  } catch (error) {
    throw new InputError(
      `Input '${INPUT.baselineFile}': the entry for ${experimentId} in '${file}' ${errorMessage(error)}.`,
    );
  }
}
