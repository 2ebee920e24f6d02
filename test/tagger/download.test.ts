import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  downloadModels,
  listModels,
  MODEL_SPECS,
  readManifest,
  type DownloadProgress,
  type ModelSpec,
} from '../../src/tagger/download.ts';
import type { TaggerKind } from '../../src/tagger/tags-file.ts';
import { startFakeHf, type FakeHf, type FakeHfFaults } from '../fakes/tagger/hf-server.ts';

const WD_MODEL = `${MODEL_SPECS.wd.repo}/model.onnx`;
const WD_TAGS = `${MODEL_SPECS.wd.repo}/selected_tags.csv`;
const E621_MODEL = `${MODEL_SPECS.e621.repo}/model.onnx`;
const E621_TAGS = `${MODEL_SPECS.e621.repo}/tags-selected.csv`;

const data = {
  [WD_MODEL]: randomBytes(1_500_000),
  [WD_TAGS]: Buffer.from('tag_id,name,category,count\n1,general,9,1\n2,solo,0,5\n'),
  // A model's bytes may start like JSON by chance (random test data did, 1 run in ~100): still a model.
  [E621_MODEL]: Buffer.concat([Buffer.from('{'), randomBytes(599_999)]),
  [E621_TAGS]: Buffer.from('tag_id,name,category,count\n1,anthro,0,5\n'),
};

let root: string;
let server: FakeHf | undefined;
let run = 0;

async function serve(faults: FakeHfFaults = {}): Promise<FakeHf> {
  server = await startFakeHf(
    Object.entries(data).map(([path, bytes]) => ({ path, data: bytes })),
    faults,
  );
  return server;
}
function freshDir(): string {
  run += 1;
  return join(root, `models-${run}`);
}
/** Buffer.equals: vitest's deep equality walks every byte of a large buffer. */
async function sameBytes(path: string, expected: Buffer | undefined): Promise<boolean> {
  return expected !== undefined && (await readFile(path)).equals(expected);
}
const options = (modelsDir: string, hf: FakeHf) => ({ modelsDir, baseUrl: hf.url, retryDelayMs: 5 });

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'kiln-download-'));
});
afterEach(async () => {
  await server?.close();
  server = undefined;
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('downloadModels', () => {
  it('fetches both models and their tag files, verified against the hashes the server announces', async () => {
    const hf = await serve();
    const modelsDir = freshDir();
    const progress: Array<DownloadProgress & { kind: TaggerKind }> = [];
    const results = await downloadModels({ ...options(modelsDir, hf), onProgress: (p) => progress.push(p) });
    expect(results.map((r) => r.kind)).toEqual(['wd', 'e621']);
    expect(await sameBytes(join(modelsDir, 'wd', 'model.onnx'), data[WD_MODEL])).toBe(true);
    expect(await sameBytes(join(modelsDir, 'wd', 'selected_tags.csv'), data[WD_TAGS])).toBe(true);
    expect(await sameBytes(join(modelsDir, 'e621', 'model.onnx'), data[E621_MODEL])).toBe(true);
    expect(await sameBytes(join(modelsDir, 'e621', 'tags-selected.csv'), data[E621_TAGS])).toBe(true);
    const manifest = await readManifest(join(modelsDir, 'wd', 'kiln-model.json'));
    expect(manifest?.files['model.onnx']).toMatchObject({
      size: data[WD_MODEL]?.length,
      sha256: hf.sha256(WD_MODEL),
      verifiedBy: 'server',
      url: `${hf.url}/${MODEL_SPECS.wd.repo}/resolve/main/model.onnx`,
    });
    expect(manifest?.files['selected_tags.csv']?.verifiedBy).toBe('none');
    const wdModel = progress.filter((p) => p.kind === 'wd' && p.file.endsWith('model.onnx'));
    expect(wdModel.length).toBeGreaterThan(2);
    expect(wdModel.at(-1)).toMatchObject({ received: data[WD_MODEL]?.length, total: data[WD_MODEL]?.length });
    expect(wdModel.every((p, i) => i === 0 || p.received >= (wdModel[i - 1]?.received ?? 0))).toBe(true);
    expect((await readdir(join(modelsDir, 'wd'))).sort()).toEqual([
      'kiln-model.json',
      'model.onnx',
      'selected_tags.csv',
    ]);
  });

  it('resumes with a Range request after the connection drops mid-file', async () => {
    const hf = await serve({ dropAfter: { [WD_MODEL]: { bytes: 400_000 } } });
    const modelsDir = freshDir();
    const [wd] = await downloadModels({ ...options(modelsDir, hf), only: ['wd'] });
    const model = wd?.files[0];
    expect(model).toMatchObject({ attempts: 2, sha256: hf.sha256(WD_MODEL), verifiedBy: 'server' });
    const resumedFrom = model && 'resumedFrom' in model ? model.resumedFrom : 0;
    expect(resumedFrom).toBeGreaterThan(0);
    expect(resumedFrom).toBeLessThanOrEqual(400_000);
    const ranged = hf.requests.filter((r) => r.path.startsWith('/cdn/') && r.range);
    expect(ranged).toEqual([expect.objectContaining({ range: `bytes=${resumedFrom}-`, status: 206 })]);
    expect(await sameBytes(join(modelsDir, 'wd', 'model.onnx'), data[WD_MODEL])).toBe(true);
  });

  it('retries server errors with backoff', async () => {
    const hf = await serve({ unavailableTimes: { [E621_TAGS]: 2 } });
    const modelsDir = freshDir();
    await downloadModels({ ...options(modelsDir, hf), only: ['e621'] });
    expect(hf.requests.filter((r) => r.path.endsWith('tags-selected.csv')).map((r) => r.status)).toEqual([
      503, 503, 200,
    ]);
    expect(await sameBytes(join(modelsDir, 'e621', 'tags-selected.csv'), data[E621_TAGS])).toBe(true);
  });

  it('starts over when the server ignores the Range header', async () => {
    const hf = await serve({ dropAfter: { [E621_MODEL]: { bytes: 100_000 } }, ignoreRange: true });
    const modelsDir = freshDir();
    await downloadModels({ ...options(modelsDir, hf), only: ['e621'] });
    expect(await sameBytes(join(modelsDir, 'e621', 'model.onnx'), data[E621_MODEL])).toBe(true);
  });

  it('refuses a file whose sha256 does not match, and removes it', async () => {
    const hf = await serve({ wrongHash: { [WD_MODEL]: 'a'.repeat(64) } });
    const modelsDir = freshDir();
    const error = await downloadModels({ ...options(modelsDir, hf), only: ['wd'] }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'download-failed' });
    expect((error as Error).message).toMatch(
      /sha256 [0-9a-f]{64} does not match the expected a{64}; the file was removed/,
    );
    expect(await readdir(join(modelsDir, 'wd'))).toEqual([]);
  });

  it('refuses a file that does not match a pinned hash or size', async () => {
    const hf = await serve();
    const pinned: Record<TaggerKind, ModelSpec> = {
      ...MODEL_SPECS,
      e621: { ...MODEL_SPECS.e621, tags: { file: 'tags-selected.csv', sha256: 'b'.repeat(64) } },
    };
    const modelsDir = freshDir();
    await expect(
      downloadModels({ ...options(modelsDir, hf), only: ['e621'], specs: pinned }),
    ).rejects.toMatchObject({
      code: 'download-failed',
      message: expect.stringContaining('b'.repeat(64)) as string,
    });
    expect((await readdir(join(modelsDir, 'e621'))).sort()).toEqual(['kiln-model.json', 'model.onnx']);
    const sized = { ...MODEL_SPECS, wd: { ...MODEL_SPECS.wd, tags: { file: 'selected_tags.csv', size: 5 } } };
    await expect(
      downloadModels({ ...options(modelsDir, hf), only: ['wd'], specs: sized }),
    ).rejects.toMatchObject({
      code: 'download-failed',
      message: expect.stringMatching(/expected 5; the download was removed/) as string,
    });
  });

  it('says where it looked when a file is not there', async () => {
    const hf = await serve();
    const missing = { ...MODEL_SPECS, wd: { ...MODEL_SPECS.wd, repo: 'nobody/nothing' } };
    await expect(
      downloadModels({ ...options(freshDir(), hf), only: ['wd'], specs: missing }),
    ).rejects.toMatchObject({
      code: 'download-failed',
      message: expect.stringMatching(
        /nobody\/nothing\/resolve\/main\/model\.onnx answered HTTP 404.*HF_BASE_URL/,
      ) as string,
    });
  });

  it('gives up after its retries, leaving the partial file to resume next time', async () => {
    const hf = await serve({ unavailableTimes: { [WD_MODEL]: 10 } });
    const modelsDir = freshDir();
    await expect(
      downloadModels({ ...options(modelsDir, hf), only: ['wd'], retries: 2 }),
    ).rejects.toMatchObject({
      code: 'download-failed',
      message: expect.stringMatching(/after 3 attempts.*HTTP 503/) as string,
    });
    await expect(stat(join(modelsDir, 'wd', 'model.onnx'))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('skips files already downloaded and verified, and lists what is installed', async () => {
    const hf = await serve();
    const modelsDir = freshDir();
    expect((await listModels(modelsDir)).map((m) => [m.kind, m.present])).toEqual([
      ['wd', false],
      ['e621', false],
    ]);
    await downloadModels({ ...options(modelsDir, hf), only: ['wd'] });
    const before = hf.requests.length;
    const skipped: string[] = [];
    await downloadModels({
      ...options(modelsDir, hf),
      only: ['wd'],
      onSkip: (_, file) => skipped.push(file),
    });
    expect(hf.requests.length).toBe(before);
    expect(skipped).toHaveLength(2);
    const installed = await listModels(modelsDir);
    expect(installed.map((m) => [m.kind, m.present])).toEqual([
      ['wd', true],
      ['e621', false],
    ]);
    expect(installed[0]?.manifest?.files['model.onnx']?.sha256).toBe(hf.sha256(WD_MODEL));
  });
});
