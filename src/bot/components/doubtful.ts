import { UserError } from '../../core/errors.ts';
import { cleanupTags } from '../../core/tags/cleanup.ts';
import { tagsAfterEdits } from '../../core/tags/dataset.ts';
import { canonicalTag, captionName, normalizeUserTag } from '../../core/tags/names.ts';
import type { Db } from '../../db/client.ts';
import { saveImageTagEdits, taggedImageSource } from '../../db/repositories/tagging.ts';
import { doubtfulList } from '../../tagging/doubtful.ts';
import { datasetThumbnail } from '../../tagging/pixels.ts';
import type { ProjectTagging } from '../../tagging/project-tags.ts';
import type { ComponentHandler, ModalHandler } from '../handler-types.ts';
import { readTextField } from '../../core/text-limits.ts';
import { assertCanEdit, loadProjectForComponent } from '../project-access.ts';
import { parseTagList, loadTaggedProject } from '../tagging.ts';
import {
  ADD_FIELD,
  ADD_FIELD_LIMIT,
  addTagsModal,
  doubtfulDoneView,
  doubtfulPagerView,
  imageLabel,
} from '../../views/doubtful-pager.ts';
import { asReply, type TaggingView } from '../../views/tagging-view.ts';
import { editorLinkMessage } from '../../views/editor-link.ts';
import {
  doubtId,
  doubtModalId,
  taggingId,
  type DoubtAction,
  type TaggingAction,
} from '../../views/tagging-ids.ts';

/** The tagged image behind a pager button, with its project loaded for the tagging state. */
async function loadPagerImage(db: Db, imageId: number, guildId: string) {
  const source = await taggedImageSource(db, imageId);
  if (!source) throw new UserError('project-gone', 'This image is no longer in the dataset.');
  const project = await loadProjectForComponent(db, source.projectId, guildId);
  return { source, project };
}

/** Renders the pager on one image (doubtful or not: after edits it may have nothing doubtful left). */
async function pageFor(
  db: Db,
  dataDir: string,
  tagging: ProjectTagging,
  imageId: number,
  note?: string,
): Promise<TaggingView> {
  const list = doubtfulList(tagging);
  const image = tagging.images.find((candidate) => candidate.id === imageId);
  const source = await taggedImageSource(db, imageId);
  if (!image || !source) return doubtfulDoneView(tagging.project.characterName, note);
  const index = list.findIndex((entry) => entry.image.id === imageId);
  const current = [...tagsAfterEdits(image).values()];
  return doubtfulPagerView({
    image,
    position: index >= 0 ? index + 1 : Math.max(1, list.filter((entry) => entry.image.id < imageId).length),
    count: list.length,
    doubtful: index >= 0 ? (list[index]?.tags ?? []) : [],
    current,
    cleanup: cleanupTags(current.map((tag) => tag.tag)),
    thumbnail: await datasetThumbnail(db, dataDir, source),
    ...(note ? { note } : {}),
  });
}

/** "Review doubtful tags" on the auto-tagging summary: a private pager at the first doubtful image. */
export const taggingButtons: ComponentHandler<{ projectId: number; action: TaggingAction }> = {
  codec: taggingId,
  acknowledge: 'ephemeral',
  async run(interaction, { projectId, action }, { db, dataDir, training }) {
    const project = await loadProjectForComponent(db, projectId, interaction.guildId);
    if (action === 'web') {
      await assertCanEdit(db, interaction, project, 'edit tags in the browser');
      const signer = training.editorLinks ?? null;
      if (!signer) {
        throw new UserError(
          'service-unavailable',
          'The web editor is off on this bot: its operator has not set PUBLIC_URL and LINK_SECRET.',
        );
      }
      const link = signer.sign('tags', project.id, interaction.user.id);
      await interaction.editReply(editorLinkMessage('tags', project.characterName, link));
      return;
    }
    const tagging = await loadTaggedProject(db, project);
    const first = doubtfulList(tagging)[0];
    await interaction.editReply(
      asReply(
        first
          ? await pageFor(db, dataDir, tagging, first.image.id)
          : doubtfulDoneView(project.characterName, 'Nothing is doubtful any more.'),
      ),
    );
  },
};

export const doubtPager: ComponentHandler<{ imageId: number; action: DoubtAction }> = {
  codec: doubtId,
  acknowledge: ({ action }) => (action === 'add' ? 'none' : 'update'),
  async run(interaction, { imageId, action }, { db, dataDir }) {
    const { project } = await loadPagerImage(db, imageId, interaction.guildId);
    // Paging is for everyone; adding or dropping a tag changes the captions training will use.
    if (action === 'add' || action === 'drop') {
      await assertCanEdit(db, interaction, project, "change an image's tags");
    }
    if (action === 'add') {
      const tagging = await loadTaggedProject(db, project);
      const image = tagging.images.find((candidate) => candidate.id === imageId);
      await interaction.showModal(addTagsModal(imageId, image ? imageLabel(image) : 'This image'));
      return;
    }
    if (action === 'drop') {
      if (!interaction.isStringSelectMenu()) throw new UserError('invalid-option', 'Pick the tags to drop.');
      // Values come from the select Kiln built: tags already on the image, as the taggers spell them.
      const tags = [...new Set(interaction.values.map(canonicalTag))];
      await saveImageTagEdits(db, {
        taggedImageId: imageId,
        tags,
        action: 'remove',
        userId: interaction.user.id,
      });
      const tagging = await loadTaggedProject(db, project);
      const note = `Dropped ${tags.map((tag) => `\`${captionName(tag)}\``).join(', ')} from this image.`;
      await interaction.editReply(asReply(await pageFor(db, dataDir, tagging, imageId, note)));
      return;
    }
    const tagging = await loadTaggedProject(db, project);
    const list = doubtfulList(tagging);
    const target =
      action === 'next'
        ? list.find((entry) => entry.image.id > imageId)
        : [...list].reverse().find((entry) => entry.image.id < imageId);
    await interaction.editReply(
      asReply(
        target
          ? await pageFor(db, dataDir, tagging, target.image.id)
          : doubtfulDoneView(project.characterName),
      ),
    );
  },
};

/** Tags typed into the "add missing tags" modal: checked like any tag, stored, the pager shown again. */
export const doubtModalSubmit: ModalHandler<{ imageId: number }> = {
  codec: doubtModalId,
  acknowledge: 'ephemeral',
  async run(interaction, { imageId }, { db, dataDir }) {
    const { project } = await loadPagerImage(db, imageId, interaction.guildId);
    await assertCanEdit(db, interaction, project, "change an image's tags");
    const typed = parseTagList(readTextField(interaction.fields, ADD_FIELD, ADD_FIELD_LIMIT));
    if (typed.length === 0) throw new UserError('invalid-tag', 'Type at least one tag to add.');
    const tags = [...new Set(typed.map((tag) => normalizeUserTag(tag, 'tag to add')))];
    if (tags.includes(canonicalTag(project.mainTag))) {
      throw new UserError(
        'invalid-tag',
        `\`${project.mainTag}\` is the main tag: every caption starts with it already.`,
      );
    }
    await saveImageTagEdits(db, { taggedImageId: imageId, tags, action: 'add', userId: interaction.user.id });
    const tagging = await loadTaggedProject(db, project);
    const note = `Added ${tags.map((tag) => `\`${captionName(tag)}\``).join(', ')} to this image.`;
    await interaction.editReply(asReply(await pageFor(db, dataDir, tagging, imageId, note)));
  },
};
