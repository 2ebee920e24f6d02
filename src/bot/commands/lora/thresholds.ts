import { UserError } from '../../../core/errors.ts';
import { mergeImageTags } from '../../../core/tags/merge.ts';
import { validateThreshold } from '../../../core/tags/names.ts';
import { WD_THRESHOLD_PRESETS, type WdThresholdPreset } from '../../../core/tags/thresholds.ts';
import {
  getTaggerSettings,
  listTaggedImages,
  saveTaggerSettings,
  updateMergedTags,
} from '../../../db/repositories/tagging.ts';
import { acceptedDifference, EVIDENCE_FLOOR } from '../../../tagging/evidence.ts';
import type { Subcommand } from '../../handler-types.ts';
import {
  assertCanEdit,
  autocompleteProject,
  PROJECT_OPTION,
  resolveProject,
  withProjectOption,
} from '../../project-access.ts';

const PRESET_TEXT: Record<WdThresholdPreset, string> = {
  'close-to-anime': 'close to what anime models draw already (wolf, fox or cat girls)',
  'in-between': 'in between',
  'feral-scalies-imps': 'far from anime (feral, scalies, imps): WD guesses less reliably, so only sure tags',
};

const GUIDE =
  'The guide: too low a threshold adds wrong tags, too high misses right ones. e621 tagger 0.7; WD 0.4–0.7 — lower for characters an anime model nearly draws already, higher for feral, scalies and imps.';

/**
 * `/lora thresholds`: the project's tagger thresholds. A change re-merges the stored tagger scores at once
 * (no new tagging run), down to the floor the scores were stored at.
 */
export const thresholds: Subcommand = {
  name: 'thresholds',
  build: (sub) =>
    withProjectOption(
      sub
        .setName('thresholds')
        .setDescription('Show or set the tagger thresholds (e621 0.7; WD 0.4–0.7 by character)')
        .addStringOption((option) =>
          option
            .setName('wd_preset')
            .setDescription('The guide’s WD choice, by how close the character is to anime girls')
            .addChoices(
              { name: 'close to anime: wolf/fox/cat girls (0.4)', value: 'close-to-anime' },
              { name: 'in between (0.55)', value: 'in-between' },
              { name: 'feral, scalies, imps (0.7)', value: 'feral-scalies-imps' },
            ),
        )
        .addNumberOption((option) =>
          option.setName('wd').setDescription('WD tagger threshold, 0–1 (instead of a preset)'),
        )
        .addNumberOption((option) =>
          option.setName('e621').setDescription('e621 tagger threshold, 0–1 (guide: 0.7)'),
        ),
    ),
  acknowledge: 'ephemeral',
  async run(interaction, { db }) {
    const project = await resolveProject(db, interaction, interaction.options.getString(PROJECT_OPTION));
    const preset = interaction.options.getString('wd_preset') as WdThresholdPreset | null;
    const wdValue = interaction.options.getNumber('wd');
    const e621Value = interaction.options.getNumber('e621');
    const current = await getTaggerSettings(db, project.id);
    const describe = (settings: { wd: number; e621: number; wdPreset: WdThresholdPreset | null }) =>
      `WD **${settings.wd}**${settings.wdPreset ? ` (${PRESET_TEXT[settings.wdPreset]})` : ''} · e621 **${settings.e621}**`;

    if (preset === null && wdValue === null && e621Value === null) {
      await interaction.editReply({
        content: `Thresholds of **${project.characterName}**: ${describe(current)}${current.saved ? '' : ' (the defaults)'}.\n${GUIDE}`,
      });
      return;
    }
    await assertCanEdit(db, interaction, project, 'change the tagger thresholds');
    if (preset !== null && wdValue !== null) {
      throw new UserError(
        'invalid-option',
        `Give either \`wd_preset\` or a \`wd\` number, not both (the preset ${preset} means ${WD_THRESHOLD_PRESETS[preset]}; you typed ${wdValue}).`,
      );
    }
    const next = {
      wd:
        wdValue !== null
          ? validateThreshold(wdValue, 'WD tagger threshold')
          : preset !== null
            ? WD_THRESHOLD_PRESETS[preset]
            : current.wd,
      e621: e621Value !== null ? validateThreshold(e621Value, 'e621 tagger threshold') : current.e621,
      wdPreset: wdValue !== null ? null : (preset ?? current.wdPreset),
    };
    await saveTaggerSettings(db, project.id, next, interaction.user.id);

    const images = await listTaggedImages(db, project.id);
    let gained = 0;
    let lost = 0;
    const updates = images.map((image) => {
      const tags = mergeImageTags(image.evidence, next);
      const difference = acceptedDifference(image.tags, tags);
      gained += difference.gained;
      lost += difference.lost;
      return { id: image.id, tags };
    });
    await updateMergedTags(db, updates);
    const lines = [`Thresholds of **${project.characterName}** are now ${describe(next)}.`];
    if (images.length > 0) {
      lines.push(
        `Re-merged the stored tagger scores of ${images.length} images: ${gained} tags added, ${lost} removed. Votes and your edits stay.`,
      );
      if (next.wd < EVIDENCE_FLOOR || next.e621 < EVIDENCE_FLOOR) {
        lines.push(
          `⚠️ Scores were stored down to ${EVIDENCE_FLOOR}; run \`/lora autotag\` to pick up tags between your threshold and ${EVIDENCE_FLOOR}.`,
        );
      }
    } else {
      lines.push('They apply when the dataset is tagged.');
    }
    lines.push(GUIDE);
    await interaction.editReply({ content: lines.join('\n') });
  },
  autocomplete: (interaction, { db }) => autocompleteProject(db, interaction),
};
