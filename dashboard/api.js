const TOKEN_KEY = "letta-fanout:token";

/** An API error as the service reports it (API.md §5), or a network failure (status 0). */
export class ApiError extends Error {
  /**
   * @param {number} status
   * @param {string} code
   * @param {string} message
   * @param {{ path: string, message: string }[]} [details]
   */
  constructor(status, code, message, details = []) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

/**
 * One line a person can act on: status, code, the service's own message, and each bad field.
 * @param {unknown} error
 */
export function describeError(error) {
  if (!(error instanceof ApiError)) return error instanceof Error ? error.message : String(error);
  const head = error.status === 0 ? error.message : `${error.status} ${error.code}: ${error.message}`;
  const fields = error.details.map((detail) => `${detail.path}: ${detail.message}`);
  return [head, ...fields].join(" — ");
}

/**
 * The service's API from the page: JSON requests with the bearer token, and stream URLs with
 * `?access_token=` because EventSource cannot set headers (API.md §6). The token lives in
 * localStorage so that a reload keeps it.
 */
export function createApi() {
  let token = readToken();

  /**
   * @param {string} method
   * @param {string} path
   * @param {unknown} [body]
   */
  async function request(method, path, body) {
    /** @type {Record<string, string>} */
    const headers = { accept: "application/json" };
    if (token) headers.authorization = `Bearer ${token}`;
    if (body !== undefined) headers["content-type"] = "application/json";
    let response;
    try {
      response = await fetch(path, {
        method,
        headers,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new ApiError(0, "network_error", `Could not reach the service (${reason}).`);
    }
    return readJson(response);
  }

  return {
    token: () => token,
    /** @param {string} value */
    setToken(value) {
      token = value.trim();
      try {
        if (token) localStorage.setItem(TOKEN_KEY, token);
        else localStorage.removeItem(TOKEN_KEY);
      } catch {
        // Storage can be off (private mode); the token then lasts until the page is closed.
      }
    },
    /** @param {string} path */
    get: (path) => request("GET", path),
    /** @param {string} path @param {unknown} body */
    post: (path, body) => request("POST", path, body),

    /**
     * An absolute URL for EventSource, carrying the token as `?access_token=`.
     * @param {string} path
     * @param {Record<string, string>} [params]
     */
    streamUrl(path, params = {}) {
      const url = new URL(path, location.href);
      for (const [key, value] of Object.entries(params)) url.searchParams.set(key, value);
      if (token) url.searchParams.set("access_token", token);
      return url.toString();
    },

    /**
     * EventSource hides why it gave up (401? 404? 410? 204?); this asks the same URL with fetch
     * and throws the service's error, or resolves with the status if the answer is a success: 200
     * (the stream would open now; it is closed again) or 204 (a finished run: nothing more to read).
     * @param {string} url
     * @param {string} [lastEventId]
     * @returns {Promise<number>}
     */
    async probe(url, lastEventId) {
      const controller = new AbortController();
      let response;
      try {
        response = await fetch(url, {
          headers: { accept: "text/event-stream", ...(lastEventId ? { "last-event-id": lastEventId } : {}) },
          signal: controller.signal,
        });
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        throw new ApiError(0, "network_error", `Could not reach the service (${reason}).`);
      }
      if (response.ok) {
        controller.abort();
        return response.status;
      }
      await readJson(response);
      return response.status;
    },
  };
}

/** @param {Response} response */
async function readJson(response) {
  const text = await response.text();
  let json;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  if (response.ok) return json;
  const error = json?.error;
  throw new ApiError(
    response.status,
    typeof error?.code === "string" ? error.code : `http_${response.status}`,
    typeof error?.message === "string" ? error.message : text.slice(0, 300) || response.statusText,
    Array.isArray(error?.details) ? error.details : [],
  );
}

function readToken() {
  try {
    return localStorage.getItem(TOKEN_KEY) ?? "";
  } catch {
    return "";
  }
}
