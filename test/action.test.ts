import { readFileSync } from 'node:fs';
import { expect, test } from 'vitest';
import { parse } from 'yaml';
import { DEFAULTS, INPUT, OUTPUT } from '../src/names.js';

const action = parse(readFileSync(new URL('../action.yml', import.meta.url), 'utf8')) as {
  inputs: Record<string, { default?: string; required?: boolean }>;
  outputs: Record<string, unknown>;
  runs: { using: string; main: string };
};

test('action.yml declares exactly the inputs and outputs the code reads and sets', () => {
  expect(Object.keys(action.inputs).sort()).toEqual(Object.values(INPUT).sort());
  expect(Object.keys(action.outputs).sort()).toEqual(Object.values(OUTPUT).sort());
});

test('defaults in action.yml are the ones the code applies to an empty input', () => {
  expect(action.inputs[INPUT.apiBaseUrl]?.default).toBe(DEFAULTS.apiBaseUrl);
  expect(action.inputs[INPUT.maxDrop]?.default).toBe(DEFAULTS.maxDrop);
  expect(action.inputs[INPUT.timeout]?.default).toBe(DEFAULTS.timeout);
  expect(action.inputs[INPUT.mode]?.default).toBe(DEFAULTS.mode);
  // Required only with mode run (mode comment needs no Retab key): inputs.ts enforces it.
  const required = Object.entries(action.inputs).filter(([, i]) => i.required);
  expect(required).toEqual([]);
});

test('runs the bundle on node24', () => {
  expect(action.runs).toEqual({ using: 'node24', main: 'dist/index.js' });
});

test('the description fits the Marketplace (at most 125 characters) and the branding stays', () => {
  const { description, branding } = action as unknown as {
    description: string;
    branding: { icon: string; color: string };
  };
  expect(description.length).toBeGreaterThan(0);
  expect(description.length).toBeLessThanOrEqual(125);
  expect(branding).toEqual({ icon: 'check-circle', color: 'purple' });
});
