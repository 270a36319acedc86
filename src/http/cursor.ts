import type { Context } from "hono";
import { AppError, validationError } from "../errors.js";
import type { CursorExpired } from "../store/event-store.js";

/**
 * The reader's cursor: `Last-Event-ID` (what EventSource sends on reconnect) wins over `?after=`
 * (API.md §3). Cursors are decimal ids of the kind this service writes (run `seq`s, firehose
 * positions of up to 16 digits); anything else is a 422. Whether the store issued it is the
 * store's to say (410).
 */
export function readCursor(c: Context): number | undefined {
  const header = c.req.header("last-event-id");
  const query = c.req.query("after");
  const [value, path] = header !== undefined && header !== "" ? [header, "Last-Event-ID"] : [query, "after"];
  if (value === undefined || value === "") return undefined;
  const cursor = Number(value);
  if (!/^\d{1,16}$/.test(value) || !Number.isSafeInteger(cursor)) {
    throw validationError([{ path, message: "must be a cursor this service sent as an event id" }]);
  }
  return cursor;
}

/** 410 for a cursor the log no longer covers; the body names the oldest cursor kept. */
export function cursorGone(error: CursorExpired): AppError {
  return new AppError("cursor_expired", error.message, 410, {
    details: [{ path: "Last-Event-ID", message: `the oldest cursor kept is ${error.oldestCursor}` }],
  });
}
