import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

let gc: (() => void) | undefined;

/**
 * Runs a full garbage collection in this process, without `--expose-gc` on its command line: the
 * flag is set at run time and `gc` taken from a fresh context, where V8 then installs it. Scenario
 * F calls it in the target before each RSS reading, so that the figure is what the readers
 * retain, not how much garbage their connecting left behind.
 */
export function collectGarbage(): void {
  if (!gc) {
    setFlagsFromString("--expose-gc");
    gc = runInNewContext("gc") as () => void;
  }
  gc();
}
