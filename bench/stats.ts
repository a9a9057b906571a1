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
  /** null: nothing could be measured this run (`missed` says why); neither a pass nor a fail. */
  value: number | null;
  unit: string;
  target: string;
  ok: boolean;
  missed?: string;
  /** A figure without a goal, shown for what it tells (never counted as missed). */
  info?: boolean;
}

/** A figure nothing could be measured for: reported as such, and the run goes on. */
export function missedFigure(name: string, target: string, why: string): Figure {
  return { name, value: null, unit: '', target, ok: false, missed: why };
}

export function line(figure: Figure): string {
  if (figure.value === null || Number.isNaN(figure.value)) return `MISS  ${figure.name}: not measured — ${figure.missed ?? 'no sample'}  (target ${figure.target})`;
  const value = Number.isInteger(figure.value) ? String(figure.value) : figure.value.toFixed(figure.value < 10 ? 2 : 1);
  const verdict = figure.info ? 'INFO' : figure.ok ? 'PASS' : 'FAIL';
  return `${verdict}  ${figure.name}: ${value}${figure.unit}  (${figure.info ? figure.target : `target ${figure.target}`})`;
}
