// Outside text longer than the JSON report keeps (a filename of thousands of characters, a long
// error text) is cut when read: the report still passes its schema, so phase two of the
// fork-safe workflow posts it instead of refusing it.
import { expect, test } from 'vitest';
import { gateInProcess, parseReport } from '../harness/gate-in-process.ts';
import { DOCS, next, scenario } from '../harness/scenario.ts';

test('a 3,000-character filename and a 9,000-character error text are cut, and phase two accepts the report', async (ctx) => {
  const long = `${'invoice-'.repeat(375)}.pdf`;
  const documents = DOCS.map((d, i) => (i === 0 ? { ...d, filename: long } : d));
  const gate = await gateInProcess(ctx, {
    scenario: scenario({
      documents,
      next: next([null, 0.85, 0.8, 0.95, 0.9], {
        documentErrors: { [DOCS[0]!.id]: `Unreadable: ${'x'.repeat(9_000)}` },
      }),
    }),
  });
  const [errored] = gate.report.documents.filter((d) => d.status === 'errored');
  expect(errored?.filename.length).toBe(1_000);
  expect(errored?.filename.endsWith('…')).toBe(true);
  expect(gate.report.documentErrors?.[0]?.message.length).toBe(5_000);
  expect(parseReport(JSON.stringify(gate.report)).documents).toHaveLength(5);
});
