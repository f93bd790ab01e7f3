import type { z } from 'zod';
import type { ReportSchema } from './schema.js';

/** One report, rendered three ways: PR comment, job summary, JSON file (see ./schema.ts). */
export type Report = z.infer<typeof ReportSchema>;
export type RunReference = NonNullable<Report['previous']>;
export type FieldChanges = NonNullable<Report['fieldChanges']>[number];
export type FieldValues = NonNullable<FieldChanges['fields'][number]['values']>;
/** An extracted value as the report keeps it; null: the run extracted null. */
export type ExtractedValue = Exclude<FieldValues['current'], undefined>;
/** Why extracted values are not shown: `show-values` false, a public repository, or not said. */
export type ValuesHidden = NonNullable<Report['valuesHidden']>;
export type DocumentName = NonNullable<Report['documentSets']>['added'][number];

/** Score change against a reference run, on the overall scores. */
export function deltaTo(report: Report, kind: 'baseline' | 'previous'): number | undefined {
  if (report.referenceKind === kind && report.comparison) return report.comparison.delta;
  const ref = report[kind];
  const score = report.run?.score;
  if (!ref || ref.score === null || score === null || score === undefined) return undefined;
  return score - ref.score;
}

/** The report without extracted values, saying why: a reader may not see them. */
export function hideValues(report: Report, why: ValuesHidden): Report {
  return {
    ...report,
    valuesHidden: report.valuesHidden ?? why,
    fieldChanges: report.fieldChanges?.map(({ unreadable, ...change }) => ({
      ...change,
      fields: change.fields.map(({ values: _values, ...field }) => field),
      ...(unreadable === 'fields' ? { unreadable } : {}),
    })),
  };
}
