// How small a drop the experiment can see (../gate/power.ts), in words: the line beside the
// interval, and the advice on how many documents would see what `max-drop` allows, which the
// step also gives as one notice.
import { POWER } from '../gate/power.js';
import { formatCount, formatLevel, formatPointsSize, plural } from './format.js';
import type { Report } from './model.js';

/** "Detects a drop of 3.9 pts or more, 80% of the time …", then the advice; '' without a figure. */
export function renderDetectableDrop(report: Report): string {
  const noise = report.noise;
  const drop = noise?.detectableDrop;
  const n = noise?.interval?.n;
  if (!noise || drop === undefined || n === undefined) return '';
  const level = `at ${formatLevel(noise.level)} one-sided, over the ${plural(n, 'document')} both runs scored`;
  const line =
    drop === 0
      ? `**Detectable drop:** every document moved alike, so the test detects any drop (${level}).`
      : `**Detectable drop:** detects a drop of ${formatPointsSize(drop)} or more, ` +
        `${formatLevel(POWER)} of the time (${level}); a smaller true drop may pass unseen.`;
  const advice = documentsAdvice(report);
  return advice ? `${line} ${advice}` : line;
}

/**
 * "About 46 documents would detect 2.0 pts, …": when the detectable drop is larger than what
 * `max-drop` allows. The same sentence is the step's notice.
 */
export function documentsAdvice(report: Report): string | undefined {
  const needed = report.noise?.documentsToDetect;
  const drop = report.noise?.detectableDrop;
  const allowed = report.comparison?.allowedDrop;
  const n = report.noise?.interval?.n;
  if (needed === undefined || drop === undefined || allowed === undefined || n === undefined) {
    return undefined;
  }
  return (
    `About ${formatCount(needed)} documents would detect ${formatPointsSize(allowed)}, the drop ` +
    `\`max-drop\` allows, ${formatLevel(POWER)} of the time; these ${formatCount(n)} detect ` +
    `${formatPointsSize(drop)}.`
  );
}
