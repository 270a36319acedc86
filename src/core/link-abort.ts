/**
 * Aborts `child` when `parent` aborts, with the same reason (at once if it already has), until the
 * returned function unlinks them. What `AbortSignal.any` does for one source, at a fraction of its
 * cost: Node 20's `any` keeps weak references and a registry per signal, some 50 µs a call, and an
 * agent's start made two (bench/ttfe-stages.ts). Unlink when the child's work is over, so that a
 * long-lived parent does not keep every child it ever had.
 */
export function linkAbort(parent: AbortSignal, child: AbortController): () => void {
  if (parent.aborted) {
    child.abort(parent.reason);
    return noop;
  }
  const onAbort = (): void => child.abort(parent.reason);
  parent.addEventListener("abort", onAbort, { once: true });
  return () => parent.removeEventListener("abort", onAbort);
}

function noop(): void {
  // Nothing was linked.
}
