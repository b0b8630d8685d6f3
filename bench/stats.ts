/** Small statistics and formatting helpers shared by the bench sections. */

export function median(values: number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

export function min(values: number[]): number {
  return Math.min(...values);
}

export function max(values: number[]): number {
  return Math.max(...values);
}

/** Milliseconds since an arbitrary origin, with sub-millisecond resolution. */
export function nowMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

export function round(value: number, digits = 2): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

/** 12345 -> "12,345" */
export function int(value: number): string {
  return Math.round(value).toLocaleString('en-US');
}

/** Bytes as "12.3 KB" (KB = 1024 bytes), with the exact count when asked. */
export function kb(bytes: number, exact = false): string {
  const text = `${(bytes / 1024).toFixed(1)} KB`;
  return exact ? `${text} (${int(bytes)} B)` : text;
}

export function ms(value: number): string {
  return `${value < 10 ? value.toFixed(1) : value.toFixed(0)} ms`;
}

export function ratio(value: number): string {
  return Number.isFinite(value) ? `${value.toFixed(2)}×` : 'n/a';
}
