// How late the event loop runs its timers: when requests arrive faster than one core can serve
// them, they wait in socket buffers before any counter sees them, and the only sign is that the
// loop falls behind. Past the limit, new model requests are shed (503) until it catches up.
export class EventLoopLag {
  readonly #timer: NodeJS.Timeout;
  #expected: number;
  /** Milliseconds the last tick ran late. */
  lagMs = 0;

  constructor(intervalMs = 20) {
    this.#expected = performance.now() + intervalMs;
    this.#timer = setInterval(() => {
      const now = performance.now();
      this.lagMs = Math.max(0, now - this.#expected);
      this.#expected = now + intervalMs;
    }, intervalMs);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
  }
}
