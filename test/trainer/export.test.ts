import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { inflateRawSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toToml } from '../../src/trainer/config.ts';
import { exportDatasetZip, exportReadme, portablePaths } from '../../src/trainer/export.ts';
import { givenRun, temporaryDir, type GivenRun } from './helpers.ts';

/** A small reader for the zip central directory: name → { method, bytes }. */
function readZip(zip: Buffer): Map<string, { method: number; data: Buffer }> {
  let end = zip.length - 22;
  while (end >= 0 && zip.readUInt32LE(end) !== 0x06054b50) end--;
  if (end < 0) throw new Error('no end of central directory');
  const count = zip.readUInt16LE(end + 10);
  let offset = zip.readUInt32LE(end + 16);
  const entries = new Map<string, { method: number; data: Buffer }>();
  for (let i = 0; i < count; i++) {
    if (zip.readUInt32LE(offset) !== 0x02014b50) throw new Error('bad central directory entry');
    const method = zip.readUInt16LE(offset + 10);
    const compressedSize = zip.readUInt32LE(offset + 20);
    const nameLength = zip.readUInt16LE(offset + 28);
    const extraLength = zip.readUInt16LE(offset + 30);
    const commentLength = zip.readUInt16LE(offset + 32);
    const local = zip.readUInt32LE(offset + 42);
    const name = zip.toString('utf8', offset + 46, offset + 46 + nameLength);
    const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
    const raw = zip.subarray(start, start + compressedSize);
    entries.set(name, { method, data: method === 8 ? inflateRawSync(raw) : Buffer.from(raw) });
    offset += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}

let tmp: Awaited<ReturnType<typeof temporaryDir>>;
let run: GivenRun;
beforeAll(async () => {
  tmp = await temporaryDir('kiln-export-');
  run = await givenRun(join(tmp.dir, 'run'), { count: 2 });
});
afterAll(async () => {
  await tmp.remove();
});

describe('exportDatasetZip', () => {
  it('zips the kohya folder with images, captions, config.toml and dataset.toml', async () => {
    const outPath = join(tmp.dir, 'krystal.zip');
    const configToml = toToml(run.config.config);
    const datasetToml = toToml(run.config.dataset as never);
    const result = await exportDatasetZip({
      imageDir: run.imageDir,
      configToml,
      datasetToml,
      extraFiles: { 'info.txt': 'Krystal\n' },
      outPath,
    });
    const entries = readZip(await readFile(outPath));
    expect([...entries.keys()].sort()).toEqual(
      [
        '10_krystal/0.jpg',
        '10_krystal/0.txt',
        '10_krystal/1.jpg',
        '10_krystal/1.txt',
        'config.toml',
        'dataset.toml',
        'info.txt',
      ].sort(),
    );
    expect(result.entries.sort()).toEqual([...entries.keys()].sort());
    expect(entries.get('10_krystal/0.txt')?.data.toString()).toBe('krystal, solo, blue fur');
    expect(entries.get('config.toml')?.data.toString()).toBe(configToml);
    expect(entries.get('dataset.toml')?.data.toString()).toBe(datasetToml);
    // Images are stored (already compressed); text is deflated.
    expect(entries.get('10_krystal/0.jpg')?.method).toBe(0);
    expect(entries.get('config.toml')?.method).toBe(8);
    expect(
      Buffer.compare(entries.get('10_krystal/1.jpg')!.data, await readFile(join(run.imageDir, '1.jpg'))),
    ).toBe(0);
    // No temporary file is left beside the zip.
    expect((await readdir(tmp.dir)).filter((name) => name.includes('partial'))).toEqual([]);
  });

  it('makes portable config paths and a README naming the command', () => {
    expect(portablePaths('10_krystal', '/models/yiffymix.safetensors')).toEqual({
      imageDir: '10_krystal',
      outputDir: 'output',
      baseModelPath: 'yiffymix.safetensors',
      samplePromptsPath: 'sample_prompts.txt',
    });
    const readme = exportReadme({
      folderName: '10_krystal',
      script: 'train_network.py',
      baseModelFile: '/m/y.safetensors',
    });
    expect(readme).toContain('<sd-scripts>/train_network.py');
    expect(readme).toContain('--config_file config.toml --dataset_config dataset.toml');
  });

  it('refuses a root file name with a path in it', async () => {
    await expect(
      exportDatasetZip({
        imageDir: run.imageDir,
        configToml: '',
        datasetToml: '',
        extraFiles: { '../x': '' },
        outPath: join(tmp.dir, 'bad.zip'),
      }),
    ).rejects.toThrow(/not a plain file name/);
  });
});
