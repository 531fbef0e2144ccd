// The page's Web Storage, or null where it is missing or refused (privacy modes throw on
// access): callers then keep working without persistence.

/** `win.localStorage`, or null when there is none or reading it throws. */
export function localStorageOrNull(win = globalThis) {
  try {
    return win?.localStorage ?? null;
  } catch {
    return null;
  }
}
