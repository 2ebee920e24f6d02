import { UserError } from '../../../core/errors.ts';
import { preview as previewQuery } from '../../../e621/preview.ts';
import type { Subcommand } from '../../handler-types.ts';
import {
  autocompleteProject,
  PROJECT_OPTION,
  resolveProject,
  withProjectOption,
} from '../../project-access.ts';
import { plannedQuery } from '../../project-query.ts';
import { previewMessage } from '../../../views/query-preview.ts';

/** How many posts of each end of the ranking the preview shows. */
const SHOWN_PER_END = 4;
/** An interaction token lives 15 minutes; a preview that cannot finish before that is abandoned. */
const PREVIEW_BUDGET_MS = 12 * 60 * 1000;

/**
 * `/lora preview`: searches e621 with the project's query (paced at 1 request/s like every e621 request)
 * and shows what a fetch would take, without downloading anything. Anyone may look.
 */
export const preview: Subcommand = {
  name: 'preview',
  build: (sub) =>
    withProjectOption(
      sub
        .setName('preview')
        .setDescription(
          'What a fetch would take: match counts, the score at rank N, first and last thumbnails',
        ),
    ),
  // e621 is paced at one request per second and a preview reads several pages: defer first.
  acknowledge: 'ephemeral',
  async run(interaction, { db, e621, log }) {
    const project = await resolveProject(db, interaction, interaction.options.getString(PROJECT_OPTION));
    const { query } = plannedQuery(project);
    if (e621 === null) {
      throw new UserError(
        'service-unavailable',
        'Previews need e621, and this Kiln has no e621 user configured (E621_USER). Ask its operator.',
      );
    }
    const started = Date.now();
    const result = await previewQuery(e621, query, {
      show: SHOWN_PER_END,
      signal: AbortSignal.timeout(PREVIEW_BUDGET_MS),
    });
    log.info(
      {
        project: project.id,
        taken: result.taken,
        pages: result.groups.map((g) => g.pages),
        ms: Date.now() - started,
      },
      'query preview',
    );
    await interaction.editReply(previewMessage(project, query, result));
  },
  autocomplete: (interaction, { db }) => autocompleteProject(db, interaction),
};
