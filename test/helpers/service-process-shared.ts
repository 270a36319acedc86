import { afterEach, beforeEach } from "vitest";
import { startServiceProcess, type ServiceProcess, type ServiceProcessOptions } from "./service-process.js";

/** Starts service processes that live as long as the current test; see {@link useServiceProcesses}. */
export interface ServiceProcesses {
  start(options: ServiceProcessOptions): Promise<ServiceProcess>;
}

/**
 * {@link startServiceProcess} for a test file: every process a test starts is SIGKILLed after
 * it, and when the test fails, each one's output is printed under its name.
 *
 * @example
 *   const services = useServiceProcesses();
 *   it("…", async () => { const [a, b] = await Promise.all([services.start({ … }), services.start({ … })]); });
 */
export function useServiceProcesses(): ServiceProcesses {
  // A list per test: vitest calls onTestFailed after the afterEach hooks that killed them.
  let started: ServiceProcess[] = [];
  beforeEach((context) => {
    const mine: ServiceProcess[] = (started = []);
    context.onTestFailed(() => {
      for (const service of mine) {
        console.error(`--- output of ${service.name} (pid ${service.pid}) ---\n${service.output()}`);
      }
    });
  });
  afterEach(async () => {
    await Promise.all(started.map((service) => service.kill()));
  });
  return {
    async start(options) {
      const service = await startServiceProcess(options);
      started.push(service);
      return service;
    },
  };
}
