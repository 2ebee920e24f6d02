import { Option, type Command } from 'commander';
import { readConfig } from '../../config/env.ts';
import type { TaggerKind } from '../../tagger/tags-file.ts';
import {
  downloadModels,
  listModels,
  MODEL_SPECS,
  type DownloadedModel,
  type DownloadProgress,
} from '../../tagger/download.ts';

/** `kiln models download [--only wd|e621]` and `kiln models list`. */
export function registerModels(program: Command): void {
  const models = program.command('models').description('The ONNX tagger models (WD and e621) in MODELS_DIR.');
  models
    .command('download')
    .description('Download the tagger models and their tag files (Hugging Face, or HF_BASE_URL), verified.')
    .addOption(new Option('--only <kind>', 'only this tagger').choices(['wd', 'e621']))
    .option('--force', 'download again even when the files are present')
    .action(async (options: { only?: TaggerKind; force?: boolean }) => {
      const config = readConfig(['tagger']);
      await runModelsDownload({
        modelsDir: config.MODELS_DIR,
        baseUrl: config.HF_BASE_URL,
        ...(options.only ? { only: [options.only] } : {}),
        force: options.force === true,
        output: process.stderr,
      });
    });
  models
    .command('list')
    .description('Show which tagger models are installed.')
    .action(async () => {
      const config = readConfig(['tagger']);
      process.stdout.write(await formatModelList(config.MODELS_DIR));
    });
}

export function formatBytes(bytes: number): string {
  if (bytes >= 1e9) return `${(bytes / 1e9).toFixed(2)} GB`;
  if (bytes >= 1e6) return `${(bytes / 1e6).toFixed(1)} MB`;
  if (bytes >= 1e3) return `${(bytes / 1e3).toFixed(1)} kB`;
  return `${bytes} B`;
}

/** A progress line: rewritten in place on a terminal, one line per 10 % otherwise (logs, CI). */
export function progressPrinter(output: NodeJS.WritableStream & { isTTY?: boolean }) {
  let lastFile = '';
  let lastStep = -1;
  let lastWrite = 0;
  let lastAttempt = 0;
  return (progress: DownloadProgress & { kind: TaggerKind }) => {
    const name = `${progress.kind}/${progress.file.split(/[\\/]/).pop() ?? progress.file}`;
    const total = progress.total;
    const percent = total ? Math.floor((progress.received / total) * 100) : null;
    const resumed = progress.resumedFrom > 0 ? ` (resumed at ${formatBytes(progress.resumedFrom)})` : '';
    const retry = progress.attempt > 1 ? ` [attempt ${progress.attempt}]` : '';
    const line = `${name}  ${formatBytes(progress.received)}${total ? ` / ${formatBytes(total)}  ${percent}%` : ''}${resumed}${retry}`;
    const done = total !== null && progress.received >= total;
    if (output.isTTY) {
      const now = Date.now();
      if (!done && name === lastFile && now - lastWrite < 200) return;
      lastWrite = now;
      lastFile = name;
      output.write(`\r\u001b[2K${line}${done ? '\n' : ''}`);
      return;
    }
    const step = percent === null ? 0 : Math.floor(percent / 10);
    if (name !== lastFile || progress.attempt !== lastAttempt) {
      lastFile = name;
      lastAttempt = progress.attempt;
      lastStep = -1;
    }
    if (step > lastStep) {
      lastStep = step;
      output.write(`${line}\n`);
    }
  };
}

export async function runModelsDownload(options: {
  modelsDir: string;
  baseUrl: string;
  only?: readonly TaggerKind[];
  force?: boolean;
  output: NodeJS.WritableStream & { isTTY?: boolean };
  retryDelayMs?: number;
}): Promise<DownloadedModel[]> {
  const { output } = options;
  const kinds = options.only && options.only.length > 0 ? options.only : (['wd', 'e621'] as const);
  output.write(
    `kiln: downloading ${kinds.map((k) => MODEL_SPECS[k].label).join(' and ')} into ${options.modelsDir}\n`,
  );
  const results = await downloadModels({
    modelsDir: options.modelsDir,
    baseUrl: options.baseUrl,
    only: kinds,
    force: options.force === true,
    onProgress: progressPrinter(output),
    onSkip: (kind, file) =>
      output.write(`${kind}/${file.split(/[\\/]/).pop() ?? file}  already downloaded and verified\n`),
    ...(options.retryDelayMs !== undefined ? { retryDelayMs: options.retryDelayMs } : {}),
  });
  for (const result of results) {
    for (const file of result.files) {
      if ('skipped' in file) continue;
      const how =
        file.verifiedBy === 'none'
          ? 'size checked, no sha256 known'
          : `sha256 ${file.sha256.slice(0, 12)}… verified`;
      output.write(`${result.kind}: ${file.path} ${formatBytes(file.size)}, ${how}\n`);
    }
  }
  output.write('kiln: models ready\n');
  return results;
}

export async function formatModelList(modelsDir: string): Promise<string> {
  const lines = [`Tagger models in ${modelsDir}:`];
  for (const model of await listModels(modelsDir)) {
    if (!model.present) {
      lines.push(
        `  ${model.kind.padEnd(5)} missing  ${model.label}  (run: kiln models download --only ${model.kind})`,
      );
      continue;
    }
    const record = model.manifest?.files[MODEL_SPECS[model.kind].model.file];
    const hash = record
      ? `sha256 ${record.sha256.slice(0, 12)}… (${record.verifiedBy})`
      : 'not downloaded by kiln';
    lines.push(
      `  ${model.kind.padEnd(5)} present  ${model.label}\n        ${model.paths.modelPath} ${formatBytes(model.sizes.model)}, ${hash}\n        ${model.paths.tagsPath} ${formatBytes(model.sizes.tags)}`,
    );
  }
  return `${lines.join('\n')}\n`;
}
