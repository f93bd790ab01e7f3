// The `spec` input's file is read before any request: inside the workspace, a file, at most
// 1 MiB; anything else is one error naming the input and the accepted form.
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { InputError } from '../src/errors.js';
import { readSpecFile, SPEC_MAX_BYTES } from '../src/spec-file.js';

let root: string;
let workspace: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'spec-file-'));
  workspace = join(root, 'repo');
  await mkdir(join(workspace, 'retab'), { recursive: true });
  await writeFile(
    join(workspace, 'retab', 'workflow.yaml'),
    'apiVersion: workflows.retab.com/v1alpha2\n',
  );
  await writeFile(join(workspace, 'huge.yaml'), 'x'.repeat(SPEC_MAX_BYTES + 1));
  await writeFile(join(workspace, 'limit.yaml'), 'x'.repeat(SPEC_MAX_BYTES));
  await writeFile(join(workspace, 'empty.yaml'), '  \n');
  await writeFile(join(root, 'outside.yaml'), 'kind: Workflow\n');
  await symlink(join(root, 'outside.yaml'), join(workspace, 'escape.yaml'));
});
afterAll(() => rm(root, { recursive: true, force: true }));

describe('readSpecFile', () => {
  test('a file of the repository is read', async () => {
    const spec = await readSpecFile(workspace, 'retab/workflow.yaml');
    expect(spec).toEqual({
      path: 'retab/workflow.yaml',
      text: 'apiVersion: workflows.retab.com/v1alpha2\n',
    });
    expect((await readSpecFile(workspace, 'limit.yaml')).text).toHaveLength(SPEC_MAX_BYTES);
  });

  test.each([
    [
      'missing',
      'retab/nope.yaml',
      "cannot read 'retab/nope.yaml' (ENOENT) (check out the repository first",
    ],
    ['over 1 MiB', 'huge.yaml', `'huge.yaml' is ${SPEC_MAX_BYTES + 1} bytes`],
    ['outside the workspace', '../outside.yaml', "'../outside.yaml' is outside the workspace"],
    ['an absolute path outside', '/etc/hostname', 'is outside the workspace'],
    ['a link that leads outside', 'escape.yaml', "'escape.yaml' is outside the workspace"],
    ['a directory', 'retab', "'retab' is not a file"],
    ['empty', 'empty.yaml', "'empty.yaml' is empty"],
  ])('%s: one error naming the input and the form', async (_name, file, why) => {
    const path = file === 'ABSOLUTE' ? join(root, 'outside.yaml') : file;
    const error = await readSpecFile(workspace, path).then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
    expect(error).toBeInstanceOf(InputError);
    const message = (error as Error).message;
    expect(message.startsWith("Input 'spec': ")).toBe(true);
    expect(message).toContain(why);
    expect(message).toContain(
      "the path of the workflow's spec (YAML, as Retab exports it) inside the repository, at most 1 MiB",
    );
  });
});
