import type { Db } from '../db/client.ts';
import { rememberUploadLimit } from '../db/repositories/projects.ts';
import { serverUploadLimit } from '../delivery/upload-limit.ts';

/** The parts of an interaction that tell the upload limit of its server. */
export interface UploadLimitSource {
  attachmentSizeLimit: number;
  guildId: string;
  guild: { premiumTier: number };
}

/** The upload limit this interaction shows for its server, capped at what a bot post gets there. */
export function uploadLimitOf(interaction: UploadLimitSource): number {
  return serverUploadLimit(interaction.attachmentSizeLimit, interaction.guild.premiumTier);
}

/** Remembers the server's upload limit for the worker, which posts outside interactions. */
export async function rememberUploadLimitOf(db: Db, interaction: UploadLimitSource): Promise<number> {
  const limit = uploadLimitOf(interaction);
  await rememberUploadLimit(db, interaction.guildId, limit);
  return limit;
}
