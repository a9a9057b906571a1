export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index]!;
}

export function median(values: readonly number[]): number {
  return percentile(values, 50);
}

export interface Figure {
  name: string;
  value: number;
  unit: string;
  target: string;
  ok: boolean;
  /** A figure without a goal, shown for what it tells (never counted as missed). */
  info?: boolean;
}

export function line(figure: Figure): string {
  const value = Number.isNaN(figure.value) ? 'n/a' : Number.isInteger(figure.value) ? String(figure.value) : figure.value.toFixed(figure.value < 10 ? 2 : 1);
  const verdict = figure.info ? 'INFO' : figure.ok ? 'PASS' : 'FAIL';
  return `${verdict}  ${figure.name}: ${value}${figure.unit}  (${figure.info ? figure.target : `target ${figure.target}`})`;
}
