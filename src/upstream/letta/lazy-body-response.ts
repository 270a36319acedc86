/**
 * A `Response` whose body stream is made only when someone reads it (`body`, `text()`, `json()`,
 * …). An event stream that `decodeLettaStream` reads from the socket's Buffers is never read as a
 * web stream, so neither `nodeHttpFetch` nor `guardedFetch` makes one for it: a `ReadableStream`
 * and the `Response` over it cost tens of µs each, on the way from Letta's first bytes to a run's
 * first event (bench/ttfe-stages.ts). Everyone else sees the `Response` `fetch` gives.
 *
 * @example
 *   return lazyBodyResponse(() => webStreamOf(chunks), { status: 200, headers });
 */
export function lazyBodyResponse(make: () => ReadableStream<Uint8Array>, init: ResponseInit): Response {
  return new LazyBodyResponse(make, init);
}

/** Whether `response` has a body, without making a lazy one. */
export function hasBody(response: Response): boolean {
  return response instanceof LazyBodyResponse || response.body !== null;
}

class LazyBodyResponse extends Response {
  readonly #make: () => ReadableStream<Uint8Array>;
  #made: Response | undefined;

  constructor(make: () => ReadableStream<Uint8Array>, init: ResponseInit) {
    super(null, init);
    this.#make = make;
  }

  /** The same response with its body made: every read of the body goes to it. */
  made(): Response {
    this.#made ??= new Response(this.#make(), {
      status: this.status,
      statusText: this.statusText,
      headers: this.headers,
    });
    return this.#made;
  }

  wasRead(): boolean {
    return this.#made?.bodyUsed ?? false;
  }
}

// Accessors and methods over the made body, on the prototype (TypeScript types `body` and
// `bodyUsed` as properties, which a subclass may not redeclare as accessors).
const BODY_METHODS = ["arrayBuffer", "blob", "bytes", "formData", "json", "text", "clone"] as const;
for (const name of BODY_METHODS) {
  if (!(name in Response.prototype)) continue;
  Object.defineProperty(LazyBodyResponse.prototype, name, {
    configurable: true,
    writable: true,
    value(this: LazyBodyResponse) {
      const made = this.made() as unknown as Record<string, () => unknown>;
      return made[name]?.call(made);
    },
  });
}
Object.defineProperties(LazyBodyResponse.prototype, {
  body: {
    configurable: true,
    get(this: LazyBodyResponse) {
      return this.made().body;
    },
  },
  bodyUsed: {
    configurable: true,
    get(this: LazyBodyResponse) {
      return this.wasRead();
    },
  },
});
