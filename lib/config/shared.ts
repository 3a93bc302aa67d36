/**
 * What one server keeps once, whichever copy of a module asks: Next bundles a module into each
 * route that imports it, so a module-level variable would be one per route (two sessions
 * stores, two registry connections, a search cap per route). Every such value is made here,
 * by name, on one map held by globalThis; a name is owned by the one module that makes it.
 */
const values = ((globalThis as { __processMonitorShared?: Map<string, unknown> }).__processMonitorShared ??= new Map());

export function shared<T>(name: string, make: () => T): T {
  if (!values.has(name)) values.set(name, make());
  return values.get(name) as T;
}
