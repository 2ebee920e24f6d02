import { defineCustomId, positiveInt } from './custom-id.ts';

/** "Show full query" under a `/lora query` answer: the whole blacklist and the e621 search strings. */
export const queryDetailsId = defineCustomId<{ projectId: number }>('querydetail', 1, {
  toParts: ({ projectId }) => [projectId],
  fromParts: ([id]) => {
    const projectId = positiveInt(id);
    return projectId ? { projectId } : null;
  },
});
