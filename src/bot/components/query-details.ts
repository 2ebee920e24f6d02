import type { ComponentHandler } from '../handler-types.ts';
import { loadProjectForComponent } from '../project-access.ts';
import { storedQuery } from '../project-query.ts';
import { queryDetailsMessage } from '../../views/query.ts';
import { queryDetailsId } from '../../views/query-details-ids.ts';

/** "Show full query": the details the short `/lora query` answer leaves out, privately, as they are now. */
export const queryDetails: ComponentHandler<{ projectId: number }> = {
  codec: queryDetailsId,
  acknowledge: 'ephemeral',
  async run(interaction, { projectId }, { db }) {
    const project = await loadProjectForComponent(db, projectId, interaction.guildId);
    await interaction.editReply(queryDetailsMessage(project, storedQuery(project.query)));
  },
};
