/**
 * `record[key]` when `record` has its own property `key`, else undefined: a name from a request
 * (a panel in a URL, an agent id) never reaches `Object.prototype`, so `constructor`,
 * `__proto__` or `toString` are unknown names like any other.
 *
 * @example ownValue(config.panels, "constructor") // undefined unless a panel has that name
 */
export function ownValue<T>(record: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}
