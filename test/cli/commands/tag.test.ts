import { cp, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runTagDirectory } from '../../../src/cli/commands/tag.ts';
import { generateTinyTagger, paintTagsImage } from '../../fakes/tagger/index.ts';

let root: string;
let modelsDir: string;

async function folder(name: string): Promise<string> {
  const dir = join(root, name);
  await mkdir(dir, { recursive: true });
  await writeFile(
    join(dir, 'a.png'),
    await paintTagsImage('wd', ['red_eyes', 'hat', { tag: 'smile', score: 0.6 }]),
  );
  await writeFile(join(dir, 'a.txt'), 'krystal, long hair, hat\n');
  await writeFile(join(dir, 'b.jpg'), await paintTagsImage('wd', ['blue_eyes', '^_^'], { format: 'jpeg' }));
  await writeFile(join(dir, 'notes.txt'), 'not a caption of any image');
  return dir;
}

const caption = async (dir: string, name: string) => (await readFile(join(dir, name), 'utf8')).trim();

function kiln(args: string[], env: Record<string, string>) {
  return execa(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
    env: { ...env, NO_COLOR: '1', PATH: process.env.PATH ?? '' },
    extendEnv: false,
    reject: false,
    timeout: 60_000,
  });
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'kiln-cli-tag-'));
  modelsDir = join(root, 'models');
  await generateTinyTagger({ kind: 'wd', dir: join(modelsDir, 'wd') });
  await generateTinyTagger({ kind: 'e621', dir: join(modelsDir, 'e621') });
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('kiln tag DIR', () => {
  it('merges both taggers’ tags into the captions: existing tags first, nothing twice', async () => {
    const dir = await folder('merge');
    const summary = await runTagDirectory({ dir, modelsDir, thresholds: { wd: 0.55, e621: 0.7 } });
    expect(summary).toEqual({ images: 2, captionsChanged: 2, tagsAdded: 5 });
    expect(await caption(dir, 'a.txt')).toBe('krystal, long hair, hat, red eyes, smile');
    // b.jpg: WD sees blue_eyes and ^_^; the e621 tagger reads the same pink cell as `text`.
    expect((await caption(dir, 'b.txt')).split(', ').sort()).toEqual(['^_^', 'blue eyes', 'text']);
    expect(await caption(dir, 'notes.txt')).toBe('not a caption of any image');

    const again = await runTagDirectory({ dir, modelsDir, thresholds: { wd: 0.55, e621: 0.7 } });
    expect(again).toEqual({ images: 2, captionsChanged: 0, tagsAdded: 0 });
    expect(await caption(dir, 'a.txt')).toBe('krystal, long hair, hat, red eyes, smile');
  });

  it('uses one tagger with --only, and the thresholds given on the command line', async () => {
    const dir = await folder('cli');
    const result = await kiln(['tag', dir, '--only', 'wd', '--wd-threshold', '0.65'], {
      MODELS_DIR: modelsDir,
    });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toContain('kiln: tagged 2 images; 2 captions updated with 3 new tags');
    expect(result.stderr).toContain('kiln: tagged 2/2 images');
    expect(await caption(dir, 'a.txt')).toBe('krystal, long hair, hat, red eyes');
    expect((await caption(dir, 'b.txt')).split(', ').sort()).toEqual(['^_^', 'blue eyes']);
  });

  it('refuses a threshold outside 0–1 before touching anything', async () => {
    const dir = await folder('bad-threshold');
    const result = await kiln(['tag', dir, '--wd-threshold', '1.5'], { MODELS_DIR: modelsDir });
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toMatch(/WD tagger threshold must be a number from 0 to 1.*got 1\.5/);
    expect(await caption(dir, 'a.txt')).toBe('krystal, long hair, hat');
  });

  it('says how to get the models when they are missing', async () => {
    const dir = await folder('no-models');
    const empty = join(root, 'empty-models');
    await mkdir(empty, { recursive: true });
    await cp(join(modelsDir, 'wd'), join(empty, 'wd'), { recursive: true });
    await expect(runTagDirectory({ dir, modelsDir: empty })).rejects.toMatchObject({
      code: 'model-missing',
      message: expect.stringMatching(
        /e621 tagger is not installed \(.*e621\/model\.onnx is missing\)\. Run `kiln models download --only e621`, or tag with the other one only \(--only wd\)/,
      ) as string,
    });
    expect(await caption(dir, 'a.txt')).toBe('krystal, long hair, hat');
  });

  it('skips and names each bad entry (corrupt image, symlink loop, non-UTF-8 name or caption) and tags the rest', async () => {
    const dir = await folder('bad-entries');
    await writeFile(join(dir, 'corrupt.png'), 'not an image at all');
    await symlink('loop.png', join(dir, 'loop.png'));
    await writeFile(Buffer.from(join(dir, 'caf\xe9.png'), 'latin1'), await paintTagsImage('wd', ['hat']));
    const latin1Caption = Buffer.from('krystal, caf\xe9\n', 'latin1');
    await writeFile(join(dir, 'latin.png'), await paintTagsImage('wd', ['hat']));
    await writeFile(join(dir, 'latin.txt'), latin1Caption);
    // A 600×20000 strip is tagged like any other image (resized before padding).
    await writeFile(
      join(dir, 'strip.png'),
      await sharp({ create: { width: 600, height: 20_000, channels: 3, background: '#fff' } })
        .png()
        .toBuffer(),
    );
    const result = await kiln(['tag', dir, '--only', 'wd'], { MODELS_DIR: modelsDir });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stderr).toContain(
      `kiln: skipped ${join(dir, 'corrupt.png')}: Cannot read ${join(dir, 'corrupt.png')} as an image`,
    );
    expect(result.stderr).toContain(
      `kiln: skipped ${join(dir, 'loop.png')}: it is a symbolic link that loops back on itself`,
    );
    expect(result.stderr).toContain(
      `kiln: skipped ${join(dir, 'caf\\xe9.png')}: its name is not valid UTF-8; rename it to include it`,
    );
    expect(result.stderr).toContain(
      `kiln: skipped ${join(dir, 'latin.png')}: its caption ${join(dir, 'latin.txt')} is not valid UTF-8; it was left as it is`,
    );
    expect(result.stderr).not.toContain('Input file is missing');
    expect(result.stdout).toContain(
      'kiln: tagged 3 images; 2 captions updated with 4 new tags; 4 skipped (see above)',
    );
    expect(await readFile(join(dir, 'latin.txt'))).toEqual(latin1Caption);
    expect(await caption(dir, 'a.txt')).toBe('krystal, long hair, hat, red eyes, smile');
  });
});
