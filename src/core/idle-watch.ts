/**
 * One timer per upstream attempt that fires `onIdle` after `ms` without `touch()`. Touching is
 * a field write, not a timer reset, so it costs nothing per event. While `pause()`d (the agent
 * is held back by backpressure or pacing, so it is not reading) silence does not count:
 * API.md §3 "a paused agent is not a silent upstream".
 */
export class IdleWatch {
  private last: number;
  private paused = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly ms: number,
    private readonly onIdle: () => void,
    private readonly now: () => number = Date.now,
  ) {
    this.last = now();
    this.timer = setTimeout(this.check, ms);
  }

  touch(): void {
    this.last = this.now();
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    this.last = this.now();
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private readonly check = (): void => {
    if (!this.timer) return;
    const quiet = this.now() - this.last;
    if (this.paused || quiet < this.ms) {
      this.timer = setTimeout(this.check, this.paused ? this.ms : this.ms - quiet);
      return;
    }
    this.timer = undefined;
    this.onIdle();
  };
}
