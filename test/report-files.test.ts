import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { InputError } from '../src/errors.js';
import { findReportFiles, REPORT_FILES_MAX } from '../src/report-files.js';

let workspace: string;
beforeEach(async () => {
  workspace = await mkdtemp(join(tmpdir(), 'report-files-'));
  for (const file of ['reports/a/report.json', 'reports/b/report.json', 'reports/b/notes.txt']) {
    await mkdir(join(workspace, file, '..'), { recursive: true });
    await writeFile(join(workspace, file), '{}');
  }
  await mkdir(join(workspace, 'empty'));
});
afterEach(() => rm(workspace, { recursive: true, force: true }));

const names = async (pattern: string) =>
  (await findReportFiles(pattern, workspace)).map((f) => f.name);

describe('the reports input', () => {
  test('a folder: every .json file under it, named by its path there', async () => {
    expect(await names('reports')).toEqual(['a/report.json', 'b/report.json']);
    expect(await names(join(workspace, 'reports'))).toEqual(['a/report.json', 'b/report.json']);
  });

  test('a glob, relative to the workspace or absolute; a plain path names one file', async () => {
    expect(await names('reports/*/report.json')).toEqual(['a/report.json', 'b/report.json']);
    expect(await names(join(workspace, 'reports/a/*.json'))).toEqual(['report.json']);
    expect(await names('reports/b/report.json')).toEqual(['report.json']);
  });

  test.each([
    ['nowhere/**/*.json', "Input 'reports': no file matches 'nowhere/**/*.json'; give a folder"],
    ['empty', "Input 'reports': the folder 'empty' holds no .json file"],
    ['reports/a/missing.json', "Input 'reports': no file matches"],
  ])('%s: one error naming the input and the accepted form', async (pattern, message) => {
    const error = await findReportFiles(pattern, workspace).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect((error as Error).message).toContain(message);
  });

  test(`more than ${REPORT_FILES_MAX} files is not a matrix's reports`, async () => {
    const many = join(workspace, 'many');
    await mkdir(many);
    await Promise.all(
      Array.from({ length: REPORT_FILES_MAX + 1 }, (_, i) =>
        writeFile(join(many, `${i}.json`), '{}'),
      ),
    );
    await expect(findReportFiles('many', workspace)).rejects.toThrow(
      `names more than ${REPORT_FILES_MAX} files`,
    );
  });
});
