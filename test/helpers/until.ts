// Polls a condition that becomes true in the background (a timer, another thread).
import { setTimeout as sleep } from 'node:timers/promises';

/** True as soon as `check()` is, false if it still is not after `ms`. */
export async function until(check: () => boolean, ms: number, everyMs = 25): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (check()) return true;
    await sleep(everyMs);
  }
  return check();
}
