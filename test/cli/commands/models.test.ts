import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runModelsDownload } from '../../../src/cli/commands/models.ts';
import { MODEL_SPECS } from '../../../src/tagger/download.ts';
import { startFakeHf, type FakeHf } from '../../fakes/tagger/hf-server.ts';

const WD_MODEL = `${MODEL_SPECS.wd.repo}/model.onnx`;
const files = [
  { path: WD_MODEL, data: randomBytes(2_000_000) },
  {
    path: `${MODEL_SPECS.wd.repo}/selected_tags.csv`,
    data: Buffer.from('tag_id,name,category,count\n1,solo,0,1\n'),
  },
  { path: `${MODEL_SPECS.e621.repo}/model.onnx`, data: randomBytes(300_000) },
  {
    path: `${MODEL_SPECS.e621.repo}/tags-selected.csv`,
    data: Buffer.from('tag_id,name,category,count\n1,anthro,0,1\n'),
  },
];

let root: string;
let hf: FakeHf;

function kiln(args: string[], env: Record<string, string>) {
  return execa(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
    env: { ...env, NO_COLOR: '1' },
    extendEnv: false,
    reject: false,
    timeout: 60_000,
  });
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'kiln-cli-models-'));
  hf = await startFakeHf(files, { dropAfter: { [WD_MODEL]: { bytes: 700_000 } } });
});
afterAll(async () => {
  await hf.close();
  await rm(root, { recursive: true, force: true });
});

describe('kiln models', () => {
  it('downloads from HF_BASE_URL into MODELS_DIR with a progress line, resuming a dropped download', async () => {
    const modelsDir = join(root, 'models');
    const env = { MODELS_DIR: modelsDir, HF_BASE_URL: hf.url, PATH: process.env.PATH ?? '' };
    const before = await kiln(['models', 'list'], env);
    expect(before.exitCode).toBe(0);
    expect(before.stdout).toMatch(/wd\s+missing.*kiln models download --only wd/);

    const result = await kiln(['models', 'download', '--only', 'wd'], env);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/^wd\/model\.onnx {2}0 B \/ 2\.0 MB {2}0%$/m);
    expect(result.stderr).toMatch(
      /^wd\/model\.onnx {2}\d+\.\d kB \/ 2\.0 MB {2}\d+% \(resumed at \d+\.\d kB\) \[attempt 2\]$/m,
    );
    expect(result.stderr).toMatch(
      /^wd\/model\.onnx {2}2\.0 MB \/ 2\.0 MB {2}100% \(resumed at \d+\.\d kB\) \[attempt 2\]$/m,
    );
    expect(result.stderr).toContain(`sha256 ${hf.sha256(WD_MODEL).slice(0, 12)}… verified`);
    expect(result.stderr).toContain('kiln: models ready');
    expect(
      (await readFile(join(modelsDir, 'wd', 'model.onnx'))).equals(files[0]?.data ?? Buffer.alloc(0)),
    ).toBe(true);

    const after = await kiln(['models', 'list'], env);
    expect(after.stdout).toMatch(/wd\s+present/);
    expect(after.stdout).toContain(`sha256 ${hf.sha256(WD_MODEL).slice(0, 12)}… (server)`);
    expect(after.stdout).toMatch(/e621\s+missing/);
  });

  it('refuses an unknown --only value', async () => {
    const result = await kiln(['models', 'download', '--only', 'danbooru'], { PATH: process.env.PATH ?? '' });
    expect(result.exitCode).not.toBe(0);
    expect(result.stderr).toMatch(/Allowed choices are wd, e621/);
  });

  it('reports a hash mismatch as a clear failure', async () => {
    const bad = await startFakeHf(files, {
      wrongHash: { [`${MODEL_SPECS.e621.repo}/model.onnx`]: 'c'.repeat(64) },
    });
    try {
      const output = new PassThrough();
      let text = '';
      output.on('data', (chunk: Buffer) => (text += chunk.toString()));
      await expect(
        runModelsDownload({
          modelsDir: join(root, 'bad'),
          baseUrl: bad.url,
          only: ['e621'],
          output,
          retryDelayMs: 5,
        }),
      ).rejects.toMatchObject({
        code: 'download-failed',
        message: expect.stringContaining('c'.repeat(64)) as string,
      });
      expect(text).toMatch(/^e621\/model\.onnx {2}0 B \/ 300\.0 kB {2}0%$/m);
    } finally {
      await bad.close();
    }
  });

  it('refuses an HTML page or a tiny body as a model and installs nothing', async () => {
    const page = Buffer.from('<html>login</html>');
    const csv = Buffer.from('tag_id,name,category,count\n1,solo,0,1\n');
    const portal = await startFakeHf([
      { path: WD_MODEL, data: page, contentType: 'text/html; charset=utf-8' },
      { path: `${MODEL_SPECS.wd.repo}/selected_tags.csv`, data: csv },
      {
        path: `${MODEL_SPECS.e621.repo}/model.onnx`,
        data: Buffer.concat([Buffer.from('<!DOCTYPE html>'), randomBytes(200_000)]),
      },
      { path: `${MODEL_SPECS.e621.repo}/tags-selected.csv`, data: csv },
    ]);
    try {
      const modelsDir = join(root, 'portal-models');
      const env = { MODELS_DIR: modelsDir, HF_BASE_URL: portal.url, PATH: process.env.PATH ?? '' };
      const wd = await kiln(['models', 'download', '--only', 'wd'], env);
      expect(wd.exitCode).toBe(1);
      expect(wd.stderr).toContain(
        `kiln: ${portal.url}/${WD_MODEL.replace('/model.onnx', '')}/resolve/main/model.onnx answered a text/html page, not the file; nothing was installed.`,
      );
      expect(wd.stdout).not.toContain('ready');
      const e621 = await kiln(['models', 'download', '--only', 'e621'], env);
      expect(e621.exitCode).toBe(1);
      expect(e621.stderr).toMatch(
        /model\.onnx: got a 200015-byte HTML page instead of the file; nothing was installed/,
      );
      const list = await kiln(['models', 'list'], env);
      expect(list.stdout).toMatch(/wd\s+missing/);
      expect(list.stdout).toMatch(/e621\s+missing/);
    } finally {
      await portal.close();
    }
  });
});
