// How figures are written, in the progress lines and in the results table.
import type { Side } from './suite.ts';

export function num(value: number, digits = 0): string {
  if (!Number.isFinite(value)) return 'n/a';
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** Milliseconds, with the precision sub-millisecond differences need. */
export function ms(value: number): string {
  return num(value, Math.abs(value) < 10 ? 3 : 1);
}

export function signedMs(value: number): string {
  return Number.isFinite(value) && value >= 0 ? `+${ms(value)}` : ms(value);
}

export function errorCount(side: Side): number {
  return (
    side.throughput.non2xx +
    side.throughput.errors +
    (side.firstByte ? side.firstByte.non2xx + side.firstByte.errors : 0)
  );
}

export function describeLoad(
  side: Side,
  cpuUsPerRequest: number,
  allocKbPerRequest: number,
  rssPeakMb: number,
): string {
  const t = side.throughput;
  const parts = [`${num(t.rps)} req/s`, `p50 ${ms(t.latency.p50)} ms`, `p99 ${ms(t.latency.p99)} ms`];
  if (side.firstByte) {
    parts.push(
      `first byte p50 ${ms(side.firstByte.firstByte!.p50)} ms p99 ${ms(side.firstByte.firstByte!.p99)} ms`,
    );
  }
  if (Number.isFinite(cpuUsPerRequest)) parts.push(`CPU ${num(cpuUsPerRequest)} µs/req`);
  if (Number.isFinite(allocKbPerRequest)) parts.push(`heap ${num(allocKbPerRequest, 1)} KB/req`);
  if (Number.isFinite(rssPeakMb)) parts.push(`RSS peak ${num(rssPeakMb, 1)} MB`);
  const errors = errorCount(side);
  if (errors > 0) parts.push(`!!! ${errors} ERRORS (non-2xx or socket)`);
  return parts.join('  ');
}
