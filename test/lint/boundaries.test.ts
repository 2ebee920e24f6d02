import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

/**
 * The fences of eslint.config.js, tried on a line of code as if it stood in a real file of each part
 * (a real path, so the type-aware parser knows the file).
 */
const eslint = new ESLint();

async function fenceMessages(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return (result?.messages ?? [])
    .filter((message) => message.ruleId === '@typescript-eslint/no-restricted-imports')
    .map((message) => message.message);
}

describe('the import fences', { timeout: 120_000 }, () => {
  it('fails an import of the worker from the bot, at any depth', async () => {
    const shallow = await fenceMessages(
      'src/bot/bot.ts',
      "import { createJobHandlers } from '../worker/handlers.ts';\nexport const handlers = createJobHandlers;\n",
    );
    expect(shallow).toEqual([expect.stringContaining('The bot never imports the worker')]);
    const deep = await fenceMessages(
      'src/bot/commands/lora/fetch.ts',
      "import { createFetchHandler } from '../../../worker/jobs/fetch.ts';\nexport const handler = createFetchHandler;\n",
    );
    expect(deep).toEqual([expect.stringContaining('The bot never imports the worker')]);
  });

  it('fails an import of the bot from the worker', async () => {
    const messages = await fenceMessages(
      'src/worker/handlers.ts',
      "import { startBot } from '../bot/bot.ts';\nexport const bot = startBot;\n",
    );
    expect(messages).toEqual([expect.stringContaining('The worker never imports the bot')]);
  });

  it('lets the bot and the worker use the views, the queue and the repositories', async () => {
    for (const [filePath, code] of [
      [
        'src/bot/bot.ts',
        "import { boardMessage } from '../views/prune-board.ts';\nimport { getProject } from '../db/repositories/projects.ts';\nexport const used = [boardMessage, getProject];\n",
      ],
      [
        'src/worker/jobs/train.ts',
        "import { runStatusMessage } from '../../views/run-status.ts';\nimport { jobContracts } from '../../queue/contracts.ts';\nexport const used = [runStatusMessage, jobContracts];\n",
      ],
    ] as const) {
      expect(await fenceMessages(filePath, code)).toEqual([]);
    }
  });

  it('keeps drizzle-orm inside src/db', async () => {
    const code = "import { eq } from 'drizzle-orm';\nexport const equals = eq;\n";
    expect(await fenceMessages('src/bot/review.ts', code)).toEqual([
      expect.stringContaining('Only src/db speaks SQL'),
    ]);
    expect(await fenceMessages('src/training/dataset.ts', code)).toEqual([
      expect.stringContaining('Only src/db speaks SQL'),
    ]);
    expect(await fenceMessages('src/db/repositories/projects.ts', code)).toEqual([]);
  });

  it('keeps the data layer from calling up', async () => {
    const messages = await fenceMessages(
      'src/db/repositories/projects.ts',
      "import { projectCardMessage } from '../../views/project-card.ts';\nexport const card = projectCardMessage;\n",
    );
    expect(messages).toEqual([expect.stringContaining('The data layer never calls up')]);
  });

  it('lets views take types from src/db but no queries, and nothing from the bot', async () => {
    expect(
      await fenceMessages(
        'src/views/query.ts',
        "import type { ProjectRow } from '../db/schema/index.ts';\nexport type Row = ProjectRow;\n",
      ),
    ).toEqual([]);
    expect(
      await fenceMessages(
        'src/views/query.ts',
        "import { getProject } from '../db/repositories/projects.ts';\nexport const load = getProject;\n",
      ),
    ).toEqual([expect.stringContaining('src/views is pure')]);
    expect(
      await fenceMessages(
        'src/views/query.ts',
        "import { replyPrivately } from '../bot/reply.ts';\nexport const reply = replyPrivately;\n",
      ),
    ).toEqual([expect.stringContaining('src/views is pure')]);
  });

  it('keeps the core free of I/O', async () => {
    expect(
      await fenceMessages(
        'src/core/errors.ts',
        "import { readFile } from 'node:fs/promises';\nexport const read = readFile;\n",
      ),
    ).toEqual([expect.stringContaining('src/core is pure')]);
    expect(
      await fenceMessages(
        'src/core/tags/names.ts',
        "import { cachedImagePath } from '../../storage/images.ts';\nexport const path = cachedImagePath;\n",
      ),
    ).toEqual([expect.stringContaining('src/core is pure')]);
  });

  it('lets the web editor use core, repositories, storage and views, but not the bot or the worker', async () => {
    expect(
      await fenceMessages(
        'src/web/editor-server.ts',
        "import { validateCrop } from '../core/pruning/crops.ts';\nimport { getCrop } from '../db/repositories/crops.ts';\nimport { imageInput } from '../storage/image-source.ts';\nimport { editorLinkMessage } from '../views/editor-link.ts';\nexport const used = [validateCrop, getCrop, imageInput, editorLinkMessage];\n",
      ),
    ).toEqual([]);
    for (const code of [
      "import { savedCropMessage } from '../bot/crop-preview.ts';\nexport const used = savedCropMessage;\n",
      "import { createJobHandlers } from '../worker/handlers.ts';\nexport const used = createJobHandlers;\n",
    ]) {
      expect(await fenceMessages('src/web/editor-server.ts', code)).toEqual([
        expect.stringContaining('src/web serves pages'),
      ]);
    }
  });
});
