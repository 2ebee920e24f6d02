import { InteractionContextType, SlashCommandBuilder } from 'discord.js';
import type { Subcommand } from '../handler-types.ts';
import { fetchCommand } from './lora/fetch.ts';
import { exportCommand } from './lora/export.ts';
import { info } from './lora/info.ts';
import { list } from './lora/list.ts';
import { newProject } from './lora/new.ts';
import { notes } from './lora/notes.ts';
import { preview } from './lora/preview.ts';
import { prune } from './lora/prune.ts';
import { query } from './lora/query.ts';
import { replace } from './lora/replace.ts';
import { settings } from './lora/settings.ts';
import { thread } from './lora/thread.ts';
import { train } from './lora/train.ts';
import { autotag } from './lora/autotag.ts';
import { captions } from './lora/captions.ts';
import { coverage } from './lora/coverage.ts';
import { fold } from './lora/fold.ts';
import { outfit } from './lora/outfit.ts';
import { thresholds } from './lora/thresholds.ts';

/** Every /lora subcommand, one file each. The list is static so the type checker sees it whole. */
export const loraSubcommands: readonly Subcommand[] = [
  newProject,
  notes,
  info,
  list,
  thread,
  settings,
  query,
  preview,
  fetchCommand,
  prune,
  replace,
  autotag,
  thresholds,
  fold,
  outfit,
  coverage,
  captions,
  train,
  exportCommand,
];

export const LORA_COMMAND = 'lora';

export function buildLoraCommand(): SlashCommandBuilder {
  const command = new SlashCommandBuilder()
    .setName(LORA_COMMAND)
    .setDescription('Build a character LoRA with your friends')
    .setContexts(InteractionContextType.Guild);
  for (const subcommand of loraSubcommands) command.addSubcommand((sub) => subcommand.build(sub));
  return command;
}

/** The JSON that `kiln deploy-commands` registers. */
export function commandDefinitions() {
  return [buildLoraCommand().toJSON()];
}
