import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { readdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import yazl from 'yazl';

/**
 * `/lora export`: the dataset as a kohya folder (`10_<main tag>/` images and captions) in a zip, with the
 * sd-scripts `config.toml` and `dataset.toml`, so people can train elsewhere. Images are stored as they are
 * (JPEG/PNG do not shrink further; deflating them only costs time), text files are deflated.
 */

export interface ExportOptions {
  /** The `<R>_<tag>` folder with images and captions. */
  imageDir: string;
  /** config.toml and dataset.toml text, written with paths relative to the zip's root. */
  configToml: string;
  datasetToml: string;
  /** More text files for the zip's root (e.g. `info.txt`, `sample_prompts.txt`, `README.txt`). */
  extraFiles?: Readonly<Record<string, string>>;
  /** Where to write the zip; written under a temporary name and renamed when complete. */
  outPath: string;
}

export interface ExportResult {
  path: string;
  entries: string[];
}

const STORED = /\.(jpe?g|png|webp)$/i;
const ROOT_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
/** A fixed date keeps the zip identical for identical input. */
const MTIME = new Date('2024-01-01T00:00:00Z');

export async function exportDatasetZip(options: ExportOptions): Promise<ExportResult> {
  const folder = basename(options.imageDir);
  const files = (await readdir(options.imageDir, { withFileTypes: true }))
    .filter((entry) => entry.isFile())
    .map((entry) => entry.name)
    .sort();
  const zip = new yazl.ZipFile();
  const entries: string[] = [];
  for (const name of files) {
    const entry = `${folder}/${name}`;
    zip.addFile(join(options.imageDir, name), entry, {
      compress: !STORED.test(name),
      mtime: MTIME,
      mode: 0o644,
    });
    entries.push(entry);
  }
  const rootFiles: Record<string, string> = {
    'config.toml': options.configToml,
    'dataset.toml': options.datasetToml,
    ...options.extraFiles,
  };
  for (const [name, text] of Object.entries(rootFiles)) {
    if (!ROOT_NAME.test(name)) throw new Error(`export: ${JSON.stringify(name)} is not a plain file name`);
    zip.addBuffer(Buffer.from(text, 'utf8'), name, { mtime: MTIME, mode: 0o644 });
    entries.push(name);
  }
  const temporary = join(
    dirname(options.outPath),
    `.${basename(options.outPath)}.${randomBytes(4).toString('hex')}.partial`,
  );
  zip.end();
  try {
    await pipeline(zip.outputStream, createWriteStream(temporary));
    await rename(temporary, options.outPath);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
  return { path: options.outPath, entries };
}

/**
 * Paths for the configs inside an export zip, relative to the zip's root, so the archive trains anywhere:
 * run sd-scripts from the unpacked folder (or edit the two paths).
 */
export function portablePaths(
  folderName: string,
  baseModelFile: string,
): {
  imageDir: string;
  outputDir: string;
  baseModelPath: string;
  samplePromptsPath: string;
} {
  return {
    imageDir: folderName,
    outputDir: 'output',
    baseModelPath: basename(baseModelFile),
    samplePromptsPath: 'sample_prompts.txt',
  };
}

/** README.txt for an export zip: what is inside and the command that trains it. */
export function exportReadme(options: { folderName: string; script: string; baseModelFile: string }): string {
  return [
    'Kiln dataset export',
    '',
    `${options.folderName}/   images with one .txt caption each (main tag first)`,
    'config.toml      sd-scripts options (--config_file)',
    'dataset.toml     dataset definition (--dataset_config)',
    '',
    'Paths in the two TOML files are relative to this folder. Put the base model',
    `${basename(options.baseModelFile)} here (or edit pretrained_model_name_or_path), then run from this folder:`,
    '',
    `  accelerate launch --num_cpu_threads_per_process 1 <sd-scripts>/${options.script} \\`,
    '    --config_file config.toml --dataset_config dataset.toml',
    '',
    'For folder-based tools (kohya_ss GUI, LoRA Easy Training Scripts), point the image folder at the',
    `folder that contains ${options.folderName}/ and use .txt captions with keep_tokens = 1.`,
    '',
  ].join('\n');
}
