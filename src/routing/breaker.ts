// A circuit breaker for one target. Closed: calls go through and retryable failures are counted;
// `threshold` of them within `windowMs` open it. Open: calls are refused without touching the
// upstream until `cooldownMs` has passed. Half-open: one probe call goes through; its success closes
// the breaker, its failure opens it for another cooldown. Times are performance.now() milliseconds.

export interface BreakerSettings {
  threshold: number;
  windowMs: number;
  cooldownMs: number;
}

export type BreakerPhase = 'closed' | 'open' | 'half_open';

export class Breaker {
  phase: BreakerPhase = 'closed';
  openedAt = 0;
  cooldownMs = 0;
  /** When the last failure was counted; the failures kept are the last `threshold`. */
  readonly #failures: number[] = [];
  #probing = false;
  #probeAt = 0;

  /** May a call go to the target now? A half-open breaker lets one probe through at a time. */
  allow(now: number): boolean {
    if (this.phase === 'closed') return true;
    if (this.phase === 'open') {
      if (now - this.openedAt < this.cooldownMs) return false;
      this.phase = 'half_open';
    } else if (this.#probing && now - this.#probeAt < this.cooldownMs) {
      // A probe whose outcome never came back (its caller left) frees the slot after a cooldown.
      return false;
    }
    this.#probing = true;
    this.#probeAt = now;
    return true;
  }

  /** Whether allow() would let a call through, without taking the probe: for choosing a target. */
  available(now: number): boolean {
    if (this.phase === 'closed') return true;
    if (this.phase === 'open') return now - this.openedAt >= this.cooldownMs;
    return !this.#probing || now - this.#probeAt >= this.cooldownMs;
  }

  /** Milliseconds until an open breaker lets a probe through (0 when it would now). */
  remainingMs(now: number): number {
    return this.phase === 'open' ? Math.max(0, this.cooldownMs - (now - this.openedAt)) : 0;
  }

  /** A call succeeded. True when that closed the breaker. */
  succeeded(): boolean {
    this.#failures.length = 0;
    this.#probing = false;
    if (this.phase === 'closed') return false;
    this.phase = 'closed';
    return true;
  }

  /** A call ended in a way that says nothing of the target's health (the caller left, a 400). */
  released(): void {
    this.#probing = false;
  }

  /** A retryable failure. True when that opened the breaker. */
  failed(settings: BreakerSettings, now: number): boolean {
    if (this.phase === 'open') return false;
    if (this.phase === 'half_open') {
      this.open(now, settings.cooldownMs);
      return true;
    }
    const failures = this.#failures;
    failures.push(now);
    if (failures.length > settings.threshold) failures.shift();
    if (failures.length >= settings.threshold && now - failures[0]! <= settings.windowMs) {
      this.open(now, settings.cooldownMs);
      return true;
    }
    return false;
  }

  open(now: number, cooldownMs: number): void {
    this.phase = 'open';
    this.openedAt = now;
    this.cooldownMs = cooldownMs;
    this.#probing = false;
    this.#failures.length = 0;
  }

  /** Closed without a success of our own: another replica's probe closed it. */
  reset(): void {
    this.phase = 'closed';
    this.#probing = false;
    this.#failures.length = 0;
  }
}
