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
}

export function line(figure: Figure): string {
  const value = Number.isInteger(figure.value) ? String(figure.value) : figure.value.toFixed(figure.value < 10 ? 2 : 1);
  return `${figure.ok ? 'PASS' : 'FAIL'}  ${figure.name}: ${value}${figure.unit}  (target ${figure.target})`;
}
