/**
 * Tells this process's event worker that a transaction just committed outbox rows, so it
 * dispatches at once instead of at its next poll. Only a hint: other processes' writes, and any
 * signal missed, are found by the worker's regular poll.
 */
const listeners = new Set<() => void>();

export function onOutboxCommit(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function outboxCommitted(): void {
  for (const listener of listeners) listener();
}
