// The `reports` input: the JSON report files of several experiments (a matrix's artifacts), found
// on disk before any request. A folder means every .json file under it; anything else is a glob
// (a plain path is a glob that names one file).
import { glob, stat } from 'node:fs/promises';
import { isAbsolute, join, relative, sep } from 'node:path';
import { InputError } from './errors.js';
import { INPUT } from './names.js';

/** GitHub runs at most 256 jobs of one matrix: more files than that are not a matrix's reports. */
export const REPORT_FILES_MAX = 256;

export interface ReportFile {
  /** Where it is on disk. */
  path: string;
  /** How the comment names it: its path under the folder (or the workspace), with '/'. */
  name: string;
}

const FORM =
  'a folder of the JSON reports (e.g. ${{ runner.temp }}/reports, where download-artifact put them) or a glob of them (e.g. reports/**/*.json)';

/** The report files `pattern` names, relative paths from `workspace`; one clear error when none. */
export async function findReportFiles(pattern: string, workspace: string): Promise<ReportFile[]> {
  const at = isAbsolute(pattern) ? pattern : join(workspace, pattern);
  const folder = await stat(at).then(
    (s) => s.isDirectory(),
    () => false,
  );
  const root = folder ? at : globBase(at);
  const found: string[] = [];
  const matches = folder ? glob('**/*.json', { cwd: at }) : glob(pattern, { cwd: workspace });
  try {
    for await (const match of matches) {
      const path = isAbsolute(match) ? match : join(folder ? at : workspace, match);
      if (await isFile(path)) found.push(path);
      if (found.length > REPORT_FILES_MAX) {
        throw new InputError(
          `Input '${INPUT.reports}': '${pattern}' names more than ${REPORT_FILES_MAX} files (a matrix runs at most ${REPORT_FILES_MAX} jobs); give ${FORM}.`,
        );
      }
    }
  } catch (error) {
    if (error instanceof InputError) throw error;
    throw new InputError(`Input '${INPUT.reports}': cannot read '${pattern}'; give ${FORM}.`);
  }
  if (found.length === 0) {
    throw new InputError(
      folder
        ? `Input '${INPUT.reports}': the folder '${pattern}' holds no .json file; give ${FORM}. Did the matrix's jobs upload their reports, and this job download them there?`
        : `Input '${INPUT.reports}': no file matches '${pattern}'; give ${FORM}.`,
    );
  }
  return found.sort().map((path) => ({ path, name: relative(root, path).split(sep).join('/') }));
}

/** The folder a glob starts from: its path up to the first part with a wildcard. */
function globBase(pattern: string): string {
  const parts = pattern.split(/[\\/]/);
  const first = parts.findIndex((part) => /[*?[\]{}]/.test(part));
  return first < 0 ? join(pattern, '..') : parts.slice(0, first).join('/') || '/';
}

function isFile(path: string): Promise<boolean> {
  return stat(path).then(
    (s) => s.isFile(),
    () => false,
  );
}
