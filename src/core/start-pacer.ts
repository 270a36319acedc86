/** Agents whose upstream requests start in one turn of the event loop, at most. */
export const STARTS_PER_TURN = 16;

/**
 * Spreads the start of many agents over turns of the event loop: at most `perTurn` start in
 * one turn, the rest in the next ones, in order. Building and sending a Letta request costs
 * about a millisecond of CPU (the SDK, node:http), so a run of 1,000 agents started in one go
 * held the event loop for most of a second (bench/ scenario B, CPU profile of the start), and
 * every event of the streams already open waited behind it. Between two slices, what those
 * streams sent goes out. A run of up to `perTurn` agents starts exactly as before.
 */
export class StartPacer {
  private queue: (() => void)[] = [];
  private head = 0;
  private budget: number;
  private turn: NodeJS.Immediate | undefined;

  constructor(private readonly perTurn = STARTS_PER_TURN) {
    this.budget = perTurn;
  }

  /** Runs `start` now if this turn has room and nobody waits, else in a later turn. */
  start(start: () => void): void {
    this.turn ??= setImmediate(this.nextTurn);
    if (this.head === this.queue.length && this.budget > 0) {
      this.budget--;
      start();
      return;
    }
    this.queue.push(start);
  }

  /** Drops the starts still waiting (the run is torn down). */
  stop(): void {
    if (this.turn) clearImmediate(this.turn);
    this.turn = undefined;
    this.queue = [];
    this.head = 0;
  }

  private readonly nextTurn = (): void => {
    this.turn = undefined;
    this.budget = this.perTurn;
    if (this.head === this.queue.length) return;
    this.turn = setImmediate(this.nextTurn);
    while (this.budget > 0 && this.head < this.queue.length) {
      this.budget--;
      const start = this.queue[this.head++] as () => void;
      start();
    }
    if (this.head === this.queue.length) {
      this.queue = [];
      this.head = 0;
    }
  };
}
