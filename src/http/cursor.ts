import type { Context } from "hono";
import { AppError, validationError } from "../errors.js";
import type { CursorExpired } from "../store/event-store.js";

/**
 * The reader's cursor: `Last-Event-ID` (what EventSource sends on reconnect) wins over `?after=`
 * (API.md §3). Cursors are the decimal ids this service wrote; anything else is a 422.
 */
export function readCursor(c: Context): number | undefined {
  const header = c.req.header("last-event-id");
  const query = c.req.query("after");
  const [value, path] = header !== undefined && header !== "" ? [header, "Last-Event-ID"] : [query, "after"];
  if (value === undefined || value === "") return undefined;
  if (!/^\d{1,15}$/.test(value)) {
    throw validationError([{ path, message: "must be a cursor this service sent as an event id" }]);
  }
  return Number(value);
}

/** 410 for a cursor the log no longer covers; the body names the oldest cursor kept. */
export function cursorGone(error: CursorExpired): AppError {
  return new AppError("cursor_expired", error.message, 410, {
    details: [{ path: "Last-Event-ID", message: `the oldest cursor kept is ${error.oldestCursor}` }],
  });
}
