import { captionName } from '../../../core/tags/names.ts';
import { parseCaption } from '../../../core/tags/captions.ts';
import { MODEL_FAMILIES, type ModelFamily } from '../../../core/tags/types.ts';
import { captionsOf } from '../../../tagging/captions.ts';
import { renderTagChart } from '../../../tagging/chart.ts';
import type { Subcommand } from '../../handler-types.ts';
import {
  autocompleteProject,
  PROJECT_OPTION,
  resolveProject,
  withProjectOption,
} from '../../project-access.ts';
import { loadTaggedProject } from '../../tagging.ts';
import { captionsPreviewView, type CaptionSetPreview } from '../../../views/captions-preview.ts';
import { asReply } from '../../../views/tagging-view.ts';

/** Bars in the tag-frequency chart. */
const CHART_TAGS = 25;

/**
 * `/lora captions`: a few final captions of each base-model family, a tag-frequency chart of each, and every
 * caption as a text file: what training will write next to the images.
 */
export const captions: Subcommand = {
  name: 'captions',
  build: (sub) =>
    withProjectOption(
      sub
        .setName('captions')
        .setDescription('Show the final captions and a tag-frequency chart')
        .addStringOption((option) =>
          option
            .setName('family')
            .setDescription('Base-model family (both when left out)')
            .addChoices(
              { name: 'anime (Danbooru tags)', value: 'anime' },
              { name: 'e621 (furry models)', value: 'e621' },
            ),
        ),
    ),
  acknowledge: 'ephemeral',
  async run(interaction, { db }) {
    const project = await resolveProject(db, interaction, interaction.options.getString(PROJECT_OPTION));
    const tagging = await loadTaggedProject(db, project);
    const chosen = interaction.options.getString('family') as ModelFamily | null;
    const families = chosen ? [chosen] : [...MODEL_FAMILIES];
    const main = captionName(project.mainTag);
    const slug = project.mainTag.replace(/[^a-z0-9_-]/g, '_');
    const sets: CaptionSetPreview[] = [];
    for (const family of families) {
      const list = captionsOf(tagging, family);
      const counts = new Map<string, number>();
      for (const caption of list) {
        for (const tag of parseCaption(caption.caption)) {
          if (tag !== main) counts.set(tag, (counts.get(tag) ?? 0) + 1);
        }
      }
      const bars = [...counts]
        .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
        .slice(0, CHART_TAGS)
        .map(([label, count]) => ({ label, count }));
      const chart = await renderTagChart(
        `${project.characterName} · ${family} captions · ${list.length} images`,
        bars,
        list.length,
      );
      const text = list.map((caption) => `${caption.name}: ${caption.caption}`).join('\n');
      sets.push({
        family,
        captions: list,
        chart: { name: `tags-${family}-${slug}.png`, data: chart },
        file: { name: `captions-${family}-${slug}.txt`, data: Buffer.from(`${text}\n`) },
      });
    }
    await interaction.editReply(asReply(captionsPreviewView(project.characterName, sets)));
  },
  autocomplete: (interaction, { db }) => autocompleteProject(db, interaction),
};
