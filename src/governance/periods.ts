// Budget periods reset on the calendar of a configured time zone (midnight, Monday, the 1st).
export type Period = 'day' | 'week' | 'month' | 'total';

interface LocalDate {
  year: number;
  month: number;
  day: number;
  weekday: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function localDate(ms: number, timeZone: string): LocalDate {
  let format = formatters.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      weekday: 'short',
    });
    formatters.set(timeZone, format);
  }
  const parts = Object.fromEntries(format.formatToParts(ms).map((p) => [p.type, p.value]));
  const weekday = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'].indexOf(parts.weekday!);
  return { year: Number(parts.year), month: Number(parts.month), day: Number(parts.day), weekday };
}

/** Epoch ms of local midnight on the given local date in the zone (correct across DST changes). */
function localMidnight(year: number, month: number, day: number, timeZone: string): number {
  let guess = Date.UTC(year, month - 1, day);
  // Two corrections converge for every real zone offset, DST included.
  for (let i = 0; i < 2; i++) {
    const seen = localDate(guess, timeZone);
    const hours = Number(
      new Intl.DateTimeFormat('en-US', { timeZone, hour: 'numeric', hourCycle: 'h23' }).format(guess),
    );
    const minutes = Number(new Intl.DateTimeFormat('en-US', { timeZone, minute: 'numeric' }).format(guess));
    const dayShift = Date.UTC(seen.year, seen.month - 1, seen.day) - Date.UTC(year, month - 1, day);
    guess -= dayShift + (hours * 60 + minutes) * 60_000;
  }
  return guess;
}

/** Start and end (epoch ms) of the period containing `now`. `total` never resets. */
export function periodBounds(period: Period, now: number, timeZone: string): { start: number; end: number } {
  if (period === 'total') return { start: 0, end: Number.MAX_SAFE_INTEGER };
  const today = localDate(now, timeZone);
  if (period === 'day') {
    return {
      start: localMidnight(today.year, today.month, today.day, timeZone),
      end: localMidnight(today.year, today.month, today.day + 1, timeZone),
    };
  }
  if (period === 'week') {
    const monday = today.day - today.weekday;
    return {
      start: localMidnight(today.year, today.month, monday, timeZone),
      end: localMidnight(today.year, today.month, monday + 7, timeZone),
    };
  }
  return {
    start: localMidnight(today.year, today.month, 1, timeZone),
    end: localMidnight(today.year, today.month + 1, 1, timeZone),
  };
}
