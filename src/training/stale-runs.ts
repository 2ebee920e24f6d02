import type { TrainingRunRow } from '../db/schema/index.ts';

/**
 * A training whose worker died: its row still says `running`, but nobody beats its heartbeat. Both processes need
 * the rule: the worker fails such runs when it starts, the bot must not promise that a dead worker will stop one.
 */

/** A running row with no heartbeat for this long belonged to a worker that stopped (the worker beats every 30 s). */
export const STALE_AFTER_SECONDS = 300;

/** The error code of a run lost with its worker; its run folder is removed when a worker starts again. */
export const WORKER_STOPPED = 'worker-stopped';

export function isAbandonedRun(
  run: Pick<TrainingRunRow, 'state' | 'heartbeatAt' | 'startedAt'>,
  now: Date = new Date(),
): boolean {
  if (run.state !== 'running') return false;
  const beat = run.heartbeatAt ?? run.startedAt;
  return beat === null || now.getTime() - beat.getTime() > STALE_AFTER_SECONDS * 1000;
}

/** `run-12` → 12: the folder name of a run under DATA_DIR/runs. */
export function runIdOfFolder(name: string): number | null {
  const match = /^run-(\d+)$/.exec(name);
  return match ? Number(match[1]) : null;
}
