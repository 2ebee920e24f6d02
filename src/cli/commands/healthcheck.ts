import type { Command } from 'commander';
import { checkHealth } from '../../app/health.ts';

/** `kiln healthcheck`: exit 0 while this container's Kiln process reports in and its connections answer. */
export function registerHealthcheck(program: Command): void {
  program
    .command('healthcheck')
    .description(
      "Exit 0 when this machine's Kiln process is alive and connected (for container healthchecks).",
    )
    .action(async () => {
      const { healthy, line } = await checkHealth();
      (healthy ? process.stdout : process.stderr).write(`kiln: ${line}\n`);
      process.exitCode = healthy ? 0 : 1;
    });
}
