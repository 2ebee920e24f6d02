import { Command, CommanderError } from 'commander';
import { ConfigError, loadDotEnv } from '../config/env.ts';
import { isUserError } from '../core/errors.ts';
import { registerDeployCommands, registerInviteUrl } from './commands/deploy-commands.ts';
import { registerDoctor } from './commands/doctor.ts';
import { registerFetch } from './commands/fetch.ts';
import { registerHealthcheck } from './commands/healthcheck.ts';
import { registerMigrate } from './commands/migrate.ts';
import { registerModels } from './commands/models.ts';
import { registerStorage } from './commands/storage.ts';
import { registerTag } from './commands/tag.ts';
import { registerProcesses } from './commands/processes.ts';
import { registerTrainingCommands } from './commands/train.ts';

/**
 * `kiln` — one entry point for every process and tool. Each subcommand lives in its own file under
 * ./commands and registers itself here, so the type checker sees the whole list.
 */
const registrations: Array<(program: Command) => void> = [
  registerProcesses,
  registerMigrate,
  registerDeployCommands,
  registerInviteUrl,
  registerFetch,
  registerTrainingCommands,
  registerModels,
  registerTag,
  registerHealthcheck,
  registerDoctor,
  registerStorage,
];

/** `output`: where commander writes its own messages (tests capture them). */
export function buildProgram(output?: {
  writeOut(text: string): void;
  writeErr(text: string): void;
}): Command {
  const program = new Command('kiln')
    .description('Kiln: character LoRAs from e621 to a finished model, built with friends in Discord.')
    .showHelpAfterError()
    .exitOverride();
  if (output) program.configureOutput(output);
  for (const register of registrations) register(program);
  return program;
}

/** What a failure prints (no stack for problems the operator can fix) and the exit code it ends with. */
export function describeFatal(error: unknown): { text: string; exitCode: number } {
  if (error instanceof ConfigError) {
    return { text: `kiln: ${error.message}\nSee README.md (Configuration) or .env.example.\n`, exitCode: 1 };
  }
  if (isUserError(error)) return { text: `kiln: ${error.message}\n`, exitCode: 1 };
  if (error instanceof CommanderError) return { text: '', exitCode: error.exitCode };
  return {
    text: `kiln: unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    exitCode: 1,
  };
}

/** Prints a clean one-paragraph error (no stack) for problems the operator can fix, then exits non-zero. */
export function reportFatal(error: unknown): never {
  const { text, exitCode } = describeFatal(error);
  process.stderr.write(text);
  process.exit(exitCode);
}

/** Parses and runs one command line; every failure ends in one clean message and a non-zero exit. */
export async function runCli(argv: readonly string[]): Promise<void> {
  loadDotEnv();
  try {
    await buildProgram().parseAsync([...argv]);
  } catch (error) {
    if (error instanceof CommanderError && error.exitCode === 0) process.exit(0);
    reportFatal(error);
  }
}

// Run directly (`tsx src/cli/main.ts …`); bin/kiln.js calls runCli itself.
if (process.argv[1]?.endsWith('src/cli/main.ts')) await runCli(process.argv);
