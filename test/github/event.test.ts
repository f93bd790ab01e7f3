import { describe, expect, test } from 'vitest';
import { readEvent } from '../../src/github/event.js';

describe('readEvent: whether the repository is private', () => {
  test.each([
    [{ repository: { private: true } }, true],
    [{ repository: { private: false } }, false],
    // An event that does not say, or says it in another form, is not taken as private.
    [{ repository: {} }, undefined],
    [{ repository: { private: 'true' } }, undefined],
    [{ repository: null }, undefined],
    [{}, undefined],
  ])('%j', (payload, repositoryPrivate) => {
    expect(readEvent('pull_request', payload).repositoryPrivate).toBe(repositoryPrivate);
    expect(readEvent('workflow_run', payload).repositoryPrivate).toBe(repositoryPrivate);
  });
});
