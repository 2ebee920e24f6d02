import { AttachmentBuilder, MessageFlags, type ContainerBuilder } from 'discord.js';
import type { OutgoingMessage } from '../notify/discord-rest.ts';

/**
 * A tagging message, built once and sent either way: by the worker over REST (`asRest`) or by the bot as an
 * interaction reply or edit (`asReply`). Components V2: one container, attachments named in it.
 */
export interface TaggingView {
  container: ContainerBuilder;
  files?: Array<{ name: string; data: Buffer }>;
}

export const KILN_ORANGE = 0xe8743b;
export const DONE_GREEN = 0x4caf50;
export const FAILED_RED = 0xd9534f;

/** Discord counts all text of a V2 message together; stay clear of its 4000. */
export const TEXT_BUDGET = 3800;

export function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

export function percent(share: number): string {
  return `${Math.round(share * 100)}%`;
}

export function asRest(view: TaggingView): OutgoingMessage {
  return {
    body: {
      flags: MessageFlags.IsComponentsV2,
      components: [view.container.toJSON()],
      allowed_mentions: { parse: [] },
      // Replace whatever the message carried before with exactly these files.
      attachments: (view.files ?? []).map((file, index) => ({ id: index, filename: file.name })),
    },
    ...(view.files && view.files.length > 0 ? { files: view.files } : {}),
  };
}

export function asReply(view: TaggingView) {
  return {
    flags: MessageFlags.IsComponentsV2 as const,
    components: [view.container],
    files: (view.files ?? []).map((file) => new AttachmentBuilder(file.data, { name: file.name })),
    attachments: [],
    allowedMentions: { parse: [] },
  };
}
