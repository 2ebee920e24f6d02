import { ContainerBuilder, MessageFlags, SeparatorBuilder, TextDisplayBuilder } from 'discord.js';
import type { ProjectRow } from '../db/schema/index.ts';
import { projectCardMessage } from './project-card.ts';

/** Discord allows 4000 characters of text in a V2 message; the preview leaves room for the card. */
const PREVIEW_LIMIT = 2500;

/** The card plus a preview of the info.txt the finished model will ship with. */
export function projectInfoMessage(project: ProjectRow, infoTxt: string) {
  const card = projectCardMessage(project);
  const preview =
    infoTxt.length > PREVIEW_LIMIT
      ? `${infoTxt.slice(0, PREVIEW_LIMIT)}\n… (${infoTxt.length} characters in all)`
      : infoTxt;
  const container = new ContainerBuilder()
    .addTextDisplayComponents(new TextDisplayBuilder().setContent('### info.txt preview'))
    .addSeparatorComponents(new SeparatorBuilder())
    .addTextDisplayComponents(
      new TextDisplayBuilder().setContent(`\`\`\`\n${preview.replace(/```/g, "'''")}\n\`\`\``),
    );
  return {
    flags: MessageFlags.IsComponentsV2 as const,
    components: [...card.components, container],
  };
}
