import { existsSync } from "node:fs";
import { chromium, type Browser } from "playwright-core";

/** Debian's Chromium, or the one `CHROMIUM_PATH` names. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

/** Why the browser tests cannot run on this machine, or undefined when they can. */
export const noBrowser = existsSync(CHROMIUM_PATH)
  ? undefined
  : `no Chromium at ${CHROMIUM_PATH}; install Debian's chromium or set CHROMIUM_PATH`;

// Said once per browser test file, so a run without Chromium says why those tests were skipped.
if (noBrowser !== undefined) console.warn(`Dashboard browser tests skipped: ${noBrowser}.`);

/** A suite title that says, when the suite is skipped, why. */
export function browserSuite(name: string): string {
  return noBrowser === undefined ? name : `${name} (skipped: ${noBrowser})`;
}

/**
 * Headless Chromium for the dashboard tests. Without the background-networking flags Chromium
 * keeps calling home (updates, sync, QUIC probes), which floods a closed network and slows it.
 */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}
