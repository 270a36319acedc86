import type { RpcMap, RpcReply, RpcRequest } from "./rpc-protocol.js";

/** One handler per call kind of `M`. */
export type RpcHandlers<M extends RpcMap<M>> = {
  [K in keyof M]: (payload: M[K]["payload"]) => M[K]["result"] | Promise<M[K]["result"]>;
};

/**
 * The child side of the bench's IPC: answers the parent's calls with `handlers`, tells the parent
 * it is ready, and exits when the parent goes away (so no child outlives a crashed run).
 */
export function serveRpc<M extends RpcMap<M>>(handlers: RpcHandlers<M>): void {
  const send = process.send?.bind(process);
  if (!send) throw new Error("a bench child must be started with an IPC channel");
  const reply = (message: RpcReply) => send(message);
  process.on("message", (message: RpcRequest) => {
    const handler = (handlers as Record<string, ((payload: unknown) => unknown) | undefined>)[message.kind];
    if (!handler) {
      reply({ id: message.id, error: `unknown call ${message.kind}` });
      return;
    }
    Promise.resolve()
      .then(() => handler(message.payload))
      .then(
        (result) => reply({ id: message.id, result: result ?? null }),
        (error: unknown) =>
          reply({
            id: message.id,
            error: error instanceof Error ? (error.stack ?? error.message) : String(error),
          }),
      );
  });
  process.on("disconnect", () => process.exit(0));
  // The parent ends a child with SIGTERM. Exiting through process.exit lets `--cpu-prof`
  // (BENCH_CPU_PROF) write the child's profile, which a death by the signal would lose.
  process.once("SIGTERM", () => process.exit(0));
  reply({ ready: true });
}
