/** Number formats and the table shared by every rendering of the report. */
import { markdownTable } from 'markdown-table';

export function formatScore(score: number | null | undefined): string {
  return score === null || score === undefined ? '—' : score.toFixed(3);
}

/** A change on the 0–1 scale, in points (hundredths), to one decimal. */
function toPoints(delta: number): number {
  return Math.round(delta * 1000) / 10;
}

/** Points with their sign, without the unit: "−2.5", "+2.4", "0.0". */
function signedPoints(points: number): string {
  if (points === 0) return '0.0';
  return `${points > 0 ? '+' : '−'}${Math.abs(points).toFixed(1)}`;
}

/** A change on the 0–1 scale, in points (hundredths): "−2.5 pts", "±0.0 pts". */
export function formatPoints(delta: number | null | undefined): string {
  if (delta === null || delta === undefined) return '—';
  const points = toPoints(delta);
  return points === 0 ? '±0.0 pts' : `${signedPoints(points)} pts`;
}

/** The size of a change or an allowance, without a sign: "2.5 pts". */
export function formatPointsSize(delta: number): string {
  return `${Math.abs(toPoints(delta)).toFixed(1)} pts`;
}

/** A level as a percentage: 0.95 → "95%", 0.975 → "97.5%". */
export function formatLevel(level: number): string {
  return `${Number((level * 100).toFixed(1))}%`;
}

/** An interval of a change, in points: "95%: −7.4 to +2.4". */
export function formatInterval(interval: { level: number; low: number; high: number }): string {
  const points = (value: number) => signedPoints(toPoints(value));
  return `${formatLevel(interval.level)}: ${points(interval.low)} to ${points(interval.high)}`;
}

export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '—';
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${seconds % 60} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

export function plural(count: number, one: string, many = `${one}s`): string {
  return `${formatCount(count)} ${count === 1 ? one : many}`;
}

/** A count as a reader reads it: 10,000. (Not toLocaleString: ICU's data costs 5 MB of memory.) */
export function formatCount(count: number): string {
  return String(count).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** An ISO time in UTC as a reader reads it: "2026-05-18 09:30 UTC"; '' for any other text. */
export function formatTime(iso: string): string {
  const match = /^(\d{4}-\d\d-\d\d)T(\d\d:\d\d)(?::\d\d(?:\.\d+)?)?Z$/.exec(iso);
  return match ? `${match[1]} ${match[2]} UTC` : '';
}

/** A GFM table; the first row is the header. Cells must be escaped already. */
export function table(rows: string[][]): string {
  return markdownTable(rows, { alignDelimiters: false });
}
