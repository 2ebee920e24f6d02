import { readFile, rename, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A liveness file each long-running process rewrites while its connections answer, so a container
 * healthcheck (`kiln healthcheck`) can tell a hung or disconnected process from a working one without
 * opening a port. It lives in the process's own temporary folder: one container, one process.
 */
export const HEALTH_FILE = join(tmpdir(), 'kiln-health.json');

/** How often the file is rewritten, and how old it may be before the process counts as unhealthy. */
export const HEALTH_INTERVAL_MS = 15_000;
export const HEALTH_MAX_AGE_MS = 60_000;

export type HealthProbe = () => Promise<void>;

export interface HealthReport {
  process: string;
  pid: number;
  at: string;
  /** Probes that failed on the last round, with their reason; empty when healthy. */
  failing: string[];
}

/** Runs every probe now and then every interval; returns a function that stops the heartbeat. */
export function startHeartbeat(
  processName: string,
  probes: Record<string, HealthProbe>,
  file = HEALTH_FILE,
): () => void {
  const beat = async () => {
    const failing: string[] = [];
    for (const [name, probe] of Object.entries(probes)) {
      try {
        await probe();
      } catch (error) {
        failing.push(`${name}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    const report: HealthReport = {
      process: processName,
      pid: process.pid,
      at: new Date().toISOString(),
      failing,
    };
    // Written aside then renamed, so the healthcheck never reads half a file.
    await writeFile(`${file}.tmp`, JSON.stringify(report));
    await rename(`${file}.tmp`, file);
  };
  const run = () => void beat().catch(() => undefined);
  run();
  const timer = setInterval(run, HEALTH_INTERVAL_MS);
  timer.unref();
  return () => clearInterval(timer);
}

/** One line saying whether the process behind the health file is alive and connected. */
export async function checkHealth(
  file = HEALTH_FILE,
  now = Date.now(),
): Promise<{ healthy: boolean; line: string }> {
  let report: HealthReport;
  try {
    report = JSON.parse(await readFile(file, 'utf8')) as HealthReport;
  } catch {
    return { healthy: false, line: `no health report at ${file}: the Kiln process has not started (yet)` };
  }
  const age = now - Date.parse(report.at);
  if (!(age <= HEALTH_MAX_AGE_MS)) {
    return {
      healthy: false,
      line: `${report.process} (pid ${report.pid}) last reported ${Math.round(age / 1000)} s ago: it is hung or gone`,
    };
  }
  if (report.failing.length > 0) {
    return { healthy: false, line: `${report.process} is running but ${report.failing.join('; ')}` };
  }
  return { healthy: true, line: `${report.process} is healthy (reported ${Math.round(age / 1000)} s ago)` };
}
