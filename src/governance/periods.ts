// Budget periods reset on the calendar of a configured time zone (midnight, Monday, the 1st).
export type Period = 'day' | 'week' | 'month' | 'total';

interface LocalDate {
  year: number;
  month: number;
  day: number;
  weekday: number;
}

// A formatter is costly to build (and its native memory is slow to return): one per zone, kept.
const formatters = new Map<string, { date: Intl.DateTimeFormat; time: Intl.DateTimeFormat }>();

function formattersFor(timeZone: string) {
  let found = formatters.get(timeZone);
  if (!found) {
    found = {
      date: new Intl.DateTimeFormat('en-US', {
        timeZone,
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        weekday: 'short',
      }),
      time: new Intl.DateTimeFormat('en-US', {
        timeZone,
        hour: 'numeric',
        minute: 'numeric',
        hourCycle: 'h23',
      }),
    };
    formatters.set(timeZone, found);
  }
  return found;
}

function localDate(ms: number, timeZone: string): LocalDate {
  const parts = Object.fromEntries(
    formattersFor(timeZone)
      .date.formatToParts(ms)
      .map((p) => [p.type, p.value]),
  );
  const weekday = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'].indexOf(parts.weekday!);
  return { year: Number(parts.year), month: Number(parts.month), day: Number(parts.day), weekday };
}

/** Epoch ms of local midnight on the given local date in the zone (correct across DST changes). */
function localMidnight(year: number, month: number, day: number, timeZone: string): number {
  let guess = Date.UTC(year, month - 1, day);
  // Two corrections converge for every real zone offset, DST included.
  for (let i = 0; i < 2; i++) {
    const seen = localDate(guess, timeZone);
    const time = formattersFor(timeZone).time.formatToParts(guess);
    const hours = Number(time.find((p) => p.type === 'hour')!.value);
    const minutes = Number(time.find((p) => p.type === 'minute')!.value);
    const dayShift = Date.UTC(seen.year, seen.month - 1, seen.day) - Date.UTC(year, month - 1, day);
    guess -= dayShift + (hours * 60 + minutes) * 60_000;
  }
  return guess;
}

const forever = Object.freeze({ start: 0, end: Number.MAX_SAFE_INTEGER });
/** The period last asked for, per time zone and period. */
const recent = new Map<string, Map<Period, { start: number; end: number }>>();

/**
 * Start and end (epoch ms) of the period containing `now`. `total` never resets. Every budgeted
 * request asks, so the answer is kept, and is the same object, until the period ends.
 */
export function periodBounds(
  period: Period,
  now: number,
  timeZone: string,
): Readonly<{ start: number; end: number }> {
  if (period === 'total') return forever;
  let zone = recent.get(timeZone);
  if (!zone) {
    if (recent.size > 1000) recent.clear();
    zone = new Map();
    recent.set(timeZone, zone);
  }
  const known = zone.get(period);
  if (known && known.start <= now && now < known.end) return known;
  const bounds = computeBounds(period, now, timeZone);
  zone.set(period, bounds);
  return bounds;
}

function computeBounds(period: Exclude<Period, 'total'>, now: number, timeZone: string) {
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
