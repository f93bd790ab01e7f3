// The "Configuration change" section: a 10,000-line JSON schema change stays readable and within
// the comment's limit, and phase two of the fork-safe workflow renders it again from the report.
import { describe, expect, test } from 'vitest';
import { stringify } from 'yaml';
import { defaultDraft, EXPERIMENT_BLOCK, planBody, withConfig } from '../fakes/draft.ts';
import {
  parseReport,
  renderComment,
  renderSummary,
  reportOfPlan,
} from '../harness/gate-in-process.ts';
import { WORKFLOW_ID } from '../harness/scenario.ts';
import { foreignTags, renderGfm } from './render.ts';

/** A JSON schema of `fields` string properties; the first `numbers` of them are numbers. */
function schema(fields: number, numbers = 0) {
  const properties: Record<string, { type: string; description: string }> = {};
  for (let i = 0; i < fields; i++) {
    properties[`field_${String(i).padStart(4, '0')}`] = {
      type: i < numbers ? 'number' : 'string',
      description: `Field ${i} of the invoice`,
    };
  }
  return { type: 'object', properties };
}

describe('a 10,000-line JSON schema change', () => {
  test('shows the leaves that changed, fits the comment, and phase two renders it the same', () => {
    const before = schema(3_500);
    const after = schema(3_500, 250);
    expect(stringify(after).split('\n').length).toBeGreaterThan(10_000);
    const draft = withConfig(defaultDraft(), EXPERIMENT_BLOCK, { json_schema: before });
    const next = withConfig(draft, EXPERIMENT_BLOCK, { json_schema: after });
    const report = reportOfPlan(planBody(draft, next, WORKFLOW_ID, []), 'retab/workflow.yaml');

    const [change] = report.configuration?.changes ?? [];
    expect(change?.path).toBe('config.json_schema');
    expect(change?.before).toMatch(/… \(\d{3},\d{3} chars\)$/);
    expect(change?.diff?.[0]).toEqual({
      path: 'properties.field_0000.type',
      before: 'string',
      after: 'number',
    });
    expect(change?.diffMore).toBe(250 - change!.diff!.length);

    const comment = renderComment(report);
    expect(comment.length).toBeLessThanOrEqual(65_000);
    expect(comment).toContain('config.json_schema: 250 values changed inside');
    expect(comment).toContain('| properties.field_0000.type | string | number |');
    expect(foreignTags(renderGfm(comment))).toEqual([]);

    // Phase two: the report read back from its JSON file renders the same section.
    const again = parseReport(JSON.stringify(report));
    expect(renderComment(again)).toBe(comment);
    expect(renderSummary(again)).toBe(renderSummary(report));
  });
});
