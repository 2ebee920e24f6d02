import type { ObjectStore } from './object-store.ts';

/**
 * The store this process keeps its files in, chosen once at start from the configuration (like the config
 * itself). Unset (tests, one-off CLI commands), everything stays on DATA_DIR as before.
 */
let current: ObjectStore | null = null;

export function useProcessStore(store: ObjectStore | null): void {
  current = store;
}

export function processStore(): ObjectStore | null {
  return current;
}
