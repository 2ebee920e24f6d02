// Long file: one sd-scripts process end to end (launch, progress lines, cancel, outputs); to be split by concept (issue 13).
import { existsSync, readdirSync } from 'node:fs';
import { appendFile, readdir, rm, stat } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa } from 'execa';
import { checkpointEpoch, parseSampleFileName } from '../core/training/outputs.ts';
import type { TrainingScript } from './reference.ts';

/**
 * Runs one sd-scripts training and turns its output into typed events (reference §1 and §8):
 * `accelerate launch [flags] <script> --config_file … --dataset_config …` in the sd-scripts folder, with an argument
 * array (never a shell) and PYTHONUNBUFFERED=1 so progress arrives as it happens. tqdm bars come on stderr with `\r`
 * redraws; epoch headers and "saving checkpoint" on stdout; logging ("model saved.", "No data found") on stderr.
 *
 * The process runs in its own process group: `accelerate launch` starts Python as a child, so cancel signals the
 * whole group (SIGINT, then SIGKILL after a grace period) and waits until every member is gone before removing
 * partial files.
 */

export const DEFAULT_LAUNCHER: readonly string[] = [
  'accelerate',
  'launch',
  '--num_cpu_threads_per_process',
  '1',
];
export const DEFAULT_CANCEL_GRACE_MS = 20_000;

export interface ProgressEvent {
  type: 'progress';
  step: number;
  totalSteps: number;
  percent: number;
  /** From the last "epoch N/E" header; null before the first. */
  epoch: number | null;
  totalEpochs: number | null;
  /** tqdm's avr_loss: a moving average over the last epoch's worth of steps. NaN when the run diverged. */
  avrLoss: number | null;
  secondsPerStep: number | null;
  elapsedSeconds: number | null;
  remainingSeconds: number | null;
}

export type TrainerEvent =
  | { type: 'started'; pid: number; command: readonly string[] }
  | ProgressEvent
  | { type: 'epochStart'; epoch: number; totalEpochs: number }
  | { type: 'epochEnd'; epoch: number; totalEpochs: number; averageLoss: number | null; step: number | null }
  | { type: 'checkpointSaved'; path: string; epoch: number; final: boolean }
  | { type: 'sampleImage'; path: string; epoch: number; promptIndex: number; seed: number | null }
  /** Every sample of one epoch is on disk (sd-scripts renders them all before going on). */
  | { type: 'samplesReady'; epoch: number; paths: string[] }
  | { type: 'log'; stream: 'stdout' | 'stderr'; line: string };

export type FailureReason =
  | 'nan-loss'
  | 'no-data'
  | 'bad-arguments'
  | 'out-of-memory'
  | 'exit-code'
  | 'incomplete'
  | 'missing-output'
  | 'launch-failed';

export interface CheckpointFile {
  path: string;
  epoch: number;
  final: boolean;
}

export interface SampleFile {
  path: string;
  epoch: number;
  promptIndex: number;
  seed: number | null;
}

export interface EpochSummary {
  epoch: number;
  averageLoss: number | null;
}

export type TrainingResult =
  | {
      status: 'succeeded';
      modelPath: string;
      checkpoints: CheckpointFile[];
      samples: SampleFile[];
      epochs: EpochSummary[];
      totalSteps: number | null;
      durationMs: number;
    }
  | {
      status: 'failed';
      reason: FailureReason;
      message: string;
      exitCode: number | null;
      logTail: string[];
      epochs: EpochSummary[];
      durationMs: number;
    }
  | { status: 'cancelled'; message: string; removedFiles: string[]; durationMs: number };

export interface RunTrainingOptions {
  /** SD_SCRIPTS_DIR: the working directory, where the training scripts are. */
  sdScriptsDir: string;
  script: TrainingScript;
  configPath: string;
  datasetPath: string;
  /** Must match config.toml's output_dir and output_name. */
  outputDir: string;
  outputName: string;
  /** The command before the script; tests point it at the fake. */
  launcher?: readonly string[];
  /** Extra script arguments after the config files (they override the TOML, as on any command line). */
  extraArgs?: readonly string[];
  /** Extra environment variables for the process. */
  env?: Readonly<Record<string, string>>;
  signal?: AbortSignal;
  cancelGraceMs?: number;
  onEvent?: (event: TrainerEvent) => void;
  /** Appends every output line here (progress redraws excluded). */
  logFile?: string;
  /** Leave the files of a failed run in place (cancelled runs are always cleaned). */
  keepFilesOnFailure?: boolean;
}

/**
 * The tqdm "steps" bar: percent, n/total, elapsed<remaining, rate, avr_loss. Anchored at the start of the redraw, so
 * the "validation steps" and "epoch validation steps" bars sd-scripts draws with a validation split do not match.
 */
const STEPS_BAR =
  /^steps:\s+(\d+)%\|.*?\|\s*(\d+)\/(\d+)\s*\[([^<]*)<([^,]*),\s*([^,\]]+)(?:,.*?avr_loss=([^\],\s]+))?/;
/** Any other tqdm bar ("validation steps: 50%|…| 1/8 […]", the sampler's "  4%|…| 1/28 […]"): not a log line. */
const OTHER_BAR = /^(?:[\w ]+:)?\s*\d+%\|[^|]*\|\s*\d+\/\d+\s*\[[^\]]*\]/;
const EPOCH_HEADER = /^\s*epoch (\d+)\/(\d+)\s*$/;
const SAVING = /saving checkpoint: (.+?)\s*$/;

function clockSeconds(text: string): number | null {
  const parts = text.trim().split(':').map(Number);
  if (parts.length < 2 || parts.some((part) => !Number.isFinite(part))) return null;
  return parts.reduce((total, part) => total * 60 + part, 0);
}

function rateSecondsPerStep(text: string): number | null {
  const match = /([\d.]+)\s*(s\/it|it\/s)/.exec(text);
  if (!match) return null;
  const value = Number(match[1]);
  if (!Number.isFinite(value) || value === 0) return null;
  return match[2] === 's/it' ? value : 1 / value;
}

function parseLoss(text: string | undefined): number | null {
  if (text === undefined) return null;
  const value = text.toLowerCase();
  if (value === 'nan' || value === '-nan') return Number.NaN;
  if (value === 'inf' || value === '-inf') return Number.NaN;
  const number = Number(text);
  return Number.isFinite(number) ? number : null;
}

type ParsedProgress = Omit<ProgressEvent, 'type' | 'epoch' | 'totalEpochs'>;

/** Parses one tqdm redraw of the "steps" bar; null for anything else (other bars, log lines). */
export function parseProgressLine(line: string): ParsedProgress | null {
  const match = STEPS_BAR.exec(line);
  if (!match) return null;
  const [, percent, step, total, elapsed, remaining, rate, loss] = match;
  return {
    percent: Number(percent),
    step: Number(step),
    totalSteps: Number(total),
    elapsedSeconds: clockSeconds(elapsed ?? ''),
    remainingSeconds: clockSeconds(remaining ?? ''),
    secondsPerStep: rateSecondsPerStep(rate ?? ''),
    avrLoss: parseLoss(loss),
  };
}

interface Snapshot {
  outputDirExisted: boolean;
  files: Set<string>;
}

async function listOutputs(outputDir: string): Promise<string[]> {
  const found: string[] = [];
  for (const dir of [outputDir, join(outputDir, 'sample')]) {
    try {
      for (const entry of await readdir(dir, { withFileTypes: true })) {
        if (entry.isFile()) found.push(join(dir, entry.name));
      }
    } catch {
      // Not there yet.
    }
  }
  return found;
}

async function snapshot(outputDir: string): Promise<Snapshot> {
  const outputDirExisted = await stat(outputDir).then(
    () => true,
    () => false,
  );
  return { outputDirExisted, files: new Set(await listOutputs(outputDir)) };
}

/** Removes what the run created; the output folder too when the run created it. */
async function removeNewFiles(outputDir: string, before: Snapshot): Promise<string[]> {
  const created = (await listOutputs(outputDir)).filter((path) => !before.files.has(path));
  await Promise.all(created.map((path) => rm(path, { force: true })));
  if (!before.outputDirExisted) await rm(outputDir, { recursive: true, force: true });
  else {
    const sampleDir = join(outputDir, 'sample');
    try {
      if (
        (await readdir(sampleDir)).length === 0 &&
        ![...before.files].some((f) => f.startsWith(sampleDir))
      ) {
        await rm(sampleDir, { recursive: true, force: true });
      }
    } catch {
      // No sample folder.
    }
  }
  return created.sort();
}

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // Already gone.
  }
}

/** Waits for every process of the group to end; SIGKILLs it once the deadline passes. */
async function reapGroup(pgid: number, deadline: number): Promise<void> {
  while (groupAlive(pgid)) {
    if (Date.now() >= deadline) {
      signalGroup(pgid, 'SIGKILL');
      const hardDeadline = Date.now() + 10_000;
      while (groupAlive(pgid) && Date.now() < hardDeadline) await sleep(50);
      return;
    }
    await sleep(50);
  }
}

export async function runTraining(options: RunTrainingOptions): Promise<TrainingResult> {
  const started = Date.now();
  const emit = (event: TrainerEvent): void => options.onEvent?.(event);
  const outputDir = resolve(options.outputDir);
  const finalPath = join(outputDir, `${options.outputName}.safetensors`);
  const grace = options.cancelGraceMs ?? DEFAULT_CANCEL_GRACE_MS;
  const before = await snapshot(outputDir);
  if (options.signal?.aborted) {
    return { status: 'cancelled', message: 'Cancelled before it started.', removedFiles: [], durationMs: 0 };
  }

  const launcher = options.launcher ?? DEFAULT_LAUNCHER;
  const [command, ...launcherArgs] = launcher;
  if (command === undefined) throw new Error('runTraining: the launcher command is empty');
  const args = [
    ...launcherArgs,
    options.script,
    '--config_file',
    options.configPath,
    '--dataset_config',
    options.datasetPath,
    ...(options.extraArgs ?? []),
  ];

  // State read from the output. The casts keep TypeScript from narrowing to the initial value: the line
  // handlers below change these while `await subprocess` waits.
  let epoch = null as number | null;
  let totalEpochs = null as number | null;
  let lastLoss = null as number | null;
  let lastStep = null as number | null;
  let totalSteps = null as number | null;
  let modelSaved = false as boolean;
  let noData = false as boolean;
  let argumentError = null as string | null;
  let outOfMemory = false as boolean;
  let nanAt = null as string | null;
  const logTail: string[] = [];
  const epochsEnded = new Map<number, number | null>();
  const pending: CheckpointFile[] = [];
  const checkpoints: CheckpointFile[] = [];
  const samples: SampleFile[] = [];
  const seenSamples = new Set<string>();
  let logWrites: Promise<void> = Promise.resolve();

  let stopping = null as 'cancel' | 'nan' | null;
  let stopDeadline = 0;

  const subprocess = execa(command, args, {
    cwd: options.sdScriptsDir,
    env: { ...options.env, PYTHONUNBUFFERED: '1' },
    extendEnv: true,
    detached: true,
    reject: false,
    buffer: false,
    stdin: 'ignore',
  });
  // detached: its own process group, whose id is its pid.
  const pgid = subprocess.pid;

  const stop = (why: 'cancel' | 'nan'): void => {
    if (stopping !== null || pgid === undefined) return;
    stopping = why;
    stopDeadline = Date.now() + grace;
    signalGroup(pgid, 'SIGINT');
  };

  // stdout and stderr are two pipes read independently: one can run ahead of the other, and the process runs ahead
  // of both. So epochs are worked out from step numbers where possible, checkpoints are announced only after a
  // later stdout line (stdout is ordered, so the save has finished), and samples only up to an epoch whose
  // rendering a later line proves finished.
  const lossByStep = new Map<number, number | null>();
  const stepsPerEpoch = (): number | null =>
    totalEpochs !== null && totalSteps !== null && totalSteps % totalEpochs === 0
      ? totalSteps / totalEpochs
      : null;
  const epochForStep = (step: number): number | null => {
    const perEpoch = stepsPerEpoch();
    return perEpoch === null ? epoch : Math.max(1, Math.ceil(step / perEpoch));
  };

  const endEpoch = (which: number): void => {
    if (which < 1 || epochsEnded.has(which)) return;
    const perEpoch = stepsPerEpoch();
    const boundary = perEpoch === null ? null : which * perEpoch;
    // avr_loss is a moving average over one epoch's steps: its value at the epoch's last step is the epoch's mean.
    const loss =
      boundary !== null && lossByStep.has(boundary) ? (lossByStep.get(boundary) ?? null) : lastLoss;
    epochsEnded.set(which, loss);
    emit({
      type: 'epochEnd',
      epoch: which,
      totalEpochs: totalEpochs ?? which,
      averageLoss: loss,
      step: boundary ?? lastStep,
    });
  };

  const flushCheckpoints = (atExit: boolean): void => {
    while (pending.length > 0) {
      const next = pending.shift();
      if (!next) break;
      if (existsSync(next.path)) {
        checkpoints.push(next);
        emit({ type: 'checkpointSaved', path: next.path, epoch: next.epoch, final: next.final });
      } else if (!atExit) {
        pending.unshift(next);
        return;
      }
    }
  };

  /** Announces the samples of every epoch up to `upTo`, whose rendering has finished. */
  const scanSamples = (upTo: number): void => {
    const dir = join(outputDir, 'sample');
    let names: string[];
    try {
      names = readdirSync(dir).sort();
    } catch {
      return;
    }
    const byEpoch = new Map<number, string[]>();
    for (const name of names) {
      const path = join(dir, name);
      if (seenSamples.has(path) || before.files.has(path)) continue;
      const info = parseSampleFileName(name, options.outputName);
      if (!info || info.epoch === null || info.epoch > upTo) continue;
      seenSamples.add(path);
      samples.push({ path, epoch: info.epoch, promptIndex: info.promptIndex, seed: info.seed });
      emit({ type: 'sampleImage', path, epoch: info.epoch, promptIndex: info.promptIndex, seed: info.seed });
      byEpoch.set(info.epoch, [...(byEpoch.get(info.epoch) ?? []), path]);
    }
    for (const [which, paths] of [...byEpoch].sort(([a], [b]) => a - b)) {
      emit({ type: 'samplesReady', epoch: which, paths });
    }
  };

  /**
   * sd-scripts redraws the bar twice per step: `progress_bar.update(1)` (still showing the previous step's avr_loss)
   * and then `set_postfix(avr_loss=…)` (this step's). So a step's loss is settled only by a second redraw of it, by a
   * redraw whose loss differs from the previous step's (it cannot be the stale one), by a later step's redraw, or by
   * the end of stderr. Progress events, epoch losses and the NaN stop all use settled steps only.
   */
  let unsettled = null as ParsedProgress | null;
  const settledSteps = new Set<number>();
  const settle = (progress: ParsedProgress): void => {
    settledSteps.add(progress.step);
    lastStep = progress.step;
    totalSteps = progress.totalSteps;
    if (progress.avrLoss !== null) lastLoss = progress.avrLoss;
    lossByStep.set(progress.step, progress.avrLoss);
    const stepEpoch = epochForStep(progress.step);
    emit({ type: 'progress', ...progress, epoch: stepEpoch, totalEpochs });
    if (progress.avrLoss !== null && Number.isNaN(progress.avrLoss) && nanAt === null) {
      nanAt = `step ${progress.step}/${progress.totalSteps}${stepEpoch !== null ? `, epoch ${stepEpoch}` : ''}`;
      stop('nan');
    }
    releaseStdout(false);
  };
  const sameLoss = (a: number | null | undefined, b: number | null | undefined): boolean =>
    a === b ||
    (a !== null && b !== null && a !== undefined && b !== undefined && Number.isNaN(a) && Number.isNaN(b));
  const onRedraw = (progress: ParsedProgress): void => {
    if (unsettled !== null && unsettled.step !== progress.step) settle(unsettled);
    unsettled = null;
    const again = settledSteps.has(progress.step) || lastRedrawStep === progress.step;
    lastRedrawStep = progress.step;
    const stale =
      progress.avrLoss === null
        ? progress.step > 0
        : !again &&
          lossByStep.has(progress.step - 1) &&
          sameLoss(lossByStep.get(progress.step - 1), progress.avrLoss);
    if (stale) unsettled = progress;
    else if (!settledSteps.has(progress.step) || !sameLoss(lossByStep.get(progress.step), progress.avrLoss)) {
      settle(progress);
    }
  };
  let lastRedrawStep = null as number | null;
  const settleLast = (): void => {
    if (unsettled !== null) settle(unsettled);
    unsettled = null;
  };

  const handleLine = (stream: 'stdout' | 'stderr', line: string): void => {
    const progress = parseProgressLine(line);
    if (progress) {
      // A log line written while the bar is shown lands on the bar's line, after its closing bracket.
      const close = line.indexOf(']', line.indexOf('steps:'));
      const rest = close === -1 ? '' : line.slice(close + 1);
      onRedraw(progress);
      if (rest.trim() !== '') handleLine(stream, rest);
      return;
    }
    const otherBar = OTHER_BAR.exec(line);
    if (otherBar) {
      // As on the steps bar, a log line may follow the bar's closing bracket.
      const rest = line.slice(otherBar[0].length);
      if (rest.trim() !== '') handleLine(stream, rest);
      return;
    }
    if (line.trim() === '') return;
    logTail.push(line);
    if (logTail.length > 40) logTail.shift();
    if (options.logFile) {
      const file = options.logFile;
      logWrites = logWrites.then(() => appendFile(file, `[${stream}] ${line}\n`)).catch(() => undefined);
    }
    emit({ type: 'log', stream, line });
    if (stream === 'stdout') flushCheckpoints(false);

    const epochs = /num epochs \/ .*?: (\d+)\s*$/.exec(line);
    if (epochs) totalEpochs = Number(epochs[1]);
    const steps = /total optimization steps \/ .*?: (\d+)\s*$/.exec(line);
    if (steps) totalSteps = Number(steps[1]);
    const header = EPOCH_HEADER.exec(line);
    if (header) {
      const next = Number(header[1]);
      totalEpochs = Number(header[2]);
      // "epoch N" is printed after epoch N-1's checkpoint and samples.
      if (next > 1) {
        endEpoch(next - 1);
        scanSamples(next - 1);
      }
      epoch = next;
      emit({ type: 'epochStart', epoch: next, totalEpochs });
      return;
    }
    const saving = SAVING.exec(line);
    if (saving?.[1]) {
      const path = isAbsolute(saving[1]) ? saving[1] : resolve(options.sdScriptsDir, saving[1]);
      const name = path.slice(path.lastIndexOf('/') + 1);
      const final = path === finalPath;
      const savedEpoch = checkpointEpoch(name, options.outputName, totalEpochs ?? epoch ?? 0) ?? epoch ?? 0;
      endEpoch(savedEpoch);
      // The final save comes after the last epoch's samples.
      if (final) scanSamples(savedEpoch);
      pending.push({ path, epoch: savedEpoch, final });
      return;
    }
    if (line.includes('model saved.')) modelSaved = true;
    if (line.includes('No data found')) noData = true;
    if (/NaN detected/i.test(line) && nanAt === null) {
      nanAt = 'a NaN in the latents';
      stop('nan');
    }
    if (/out of memory/i.test(line)) outOfMemory = true;
    // argparse's usage error, from the script or from accelerate launch itself (which then exits 1, not 2).
    const argparse = /(?:\.py|launch): error: (.*)$/.exec(line);
    if (argparse?.[1] && argumentError === null) argumentError = argparse[1];
  };

  // stdout can run ahead of stderr. A stdout line that closes an epoch (the next epoch's header, a checkpoint
  // save) waits until stderr has reported that epoch's last step, so the epoch's loss is known and every event
  // comes out in the order the trainer produced it.
  let heldStdout: string[] = [];
  let holdUntilStep: number | null = null;
  const lossStepClosedBy = (line: string): number | null => {
    const perEpoch = stepsPerEpoch();
    if (perEpoch === null) return null;
    const header = EPOCH_HEADER.exec(line);
    if (header) return Number(header[1]) > 1 ? (Number(header[1]) - 1) * perEpoch : null;
    const saving = SAVING.exec(line);
    if (saving?.[1]) {
      const name = saving[1].slice(saving[1].lastIndexOf('/') + 1);
      const which = checkpointEpoch(name, options.outputName, totalEpochs ?? epoch ?? 0) ?? epoch;
      return which ? which * perEpoch : null;
    }
    return null;
  };
  const onStdoutLine = (line: string): void => {
    if (holdUntilStep === null) {
      const step = lossStepClosedBy(line);
      if (step !== null && !settledSteps.has(step)) holdUntilStep = step;
    }
    if (holdUntilStep !== null) heldStdout.push(line);
    else handleLine('stdout', line);
  };
  const releaseStdout = (force: boolean): void => {
    if (holdUntilStep === null || (!force && !settledSteps.has(holdUntilStep))) return;
    holdUntilStep = null;
    const lines = heldStdout;
    heldStdout = [];
    for (const line of lines) {
      if (force) handleLine('stdout', line);
      else onStdoutLine(line);
    }
  };

  const reader = (stream: 'stdout' | 'stderr') => {
    let buffer = '';
    const take = (raw: string): void => {
      // tqdm moves the cursor between nested bars (sampling, validation): ESC[A and the like carry no text.
      // eslint-disable-next-line no-control-regex
      const line = raw.replace(/\u001b\[[0-9;]*[A-Za-z]/g, '');
      if (stream === 'stdout') onStdoutLine(line);
      else handleLine(stream, line);
    };
    return {
      push(chunk: string): void {
        buffer += chunk;
        const parts = buffer.split(/\r\n|\r|\n/);
        buffer = parts.pop() ?? '';
        for (const part of parts) take(part);
      },
      end(): void {
        if (buffer !== '') take(buffer);
        buffer = '';
      },
    };
  };

  const killOnExit = (): void => {
    if (pgid !== undefined) signalGroup(pgid, 'SIGKILL');
  };
  process.once('exit', killOnExit);
  const onAbort = (): void => stop('cancel');
  options.signal?.addEventListener('abort', onAbort, { once: true });
  if (pgid !== undefined) emit({ type: 'started', pid: pgid, command: [command, ...args] });

  const out = reader('stdout');
  const err = reader('stderr');
  subprocess.stdout?.setEncoding('utf8');
  subprocess.stderr?.setEncoding('utf8');
  subprocess.stdout?.on('data', (chunk: string) => out.push(chunk));
  subprocess.stderr?.on('data', (chunk: string) => err.push(chunk));

  const result = await subprocess;
  err.end();
  settleLast();
  out.end();
  // Nothing more will come on stderr: whatever stdout held back goes through now, in order.
  releaseStdout(true);
  options.signal?.removeEventListener('abort', onAbort);
  // accelerate can exit before its Python child: wait for the whole group.
  if (pgid !== undefined) {
    if (stopping !== null) await reapGroup(pgid, stopDeadline);
    else if (groupAlive(pgid)) await reapGroup(pgid, Date.now() + grace);
  }
  process.removeListener('exit', killOnExit);
  await logWrites;
  const durationMs = Date.now() - started;
  const exitCode = typeof result.exitCode === 'number' ? result.exitCode : null;
  const epochs = (): EpochSummary[] =>
    [...epochsEnded]
      .map(([which, averageLoss]) => ({ epoch: which, averageLoss }))
      .sort((a, b) => a.epoch - b.epoch);

  if (stopping === 'cancel') {
    const removedFiles = await removeNewFiles(outputDir, before);
    return {
      status: 'cancelled',
      message: `Training cancelled${lastStep !== null ? ` at step ${lastStep}${totalSteps ? `/${totalSteps}` : ''}` : ''}; partial files removed.`,
      removedFiles,
      durationMs,
    };
  }

  const fail = async (reason: FailureReason, message: string): Promise<TrainingResult> => {
    if (!options.keepFilesOnFailure) await removeNewFiles(outputDir, before);
    return {
      status: 'failed',
      reason,
      message,
      exitCode,
      logTail: [...logTail],
      epochs: epochs(),
      durationMs,
    };
  };

  if (stopping === 'nan') {
    return fail(
      'nan-loss',
      `Training diverged: the average loss became NaN at ${nanAt ?? 'an unknown step'}, so it was stopped. Lower the strength (learning rate), or use bf16 mixed precision; for SDXL keep no_half_vae on.`,
    );
  }
  if (exitCode === null) {
    const why = result.signal
      ? `was killed by ${result.signal}`
      : `could not start (${result.originalMessage ?? result.shortMessage})`;
    return fail(
      'launch-failed',
      `sd-scripts ${why}. Command: ${[command, ...args].join(' ')} in ${options.sdScriptsDir}.`,
    );
  }
  if (noData) {
    return fail(
      'no-data',
      `sd-scripts found no training images ("No data found") and stopped without training (exit code ${exitCode}). Check the dataset's image_dir: images must sit directly in it, as png, jpg, jpeg, webp or bmp.`,
    );
  }
  if (exitCode !== 0) {
    if (argumentError) {
      return fail('bad-arguments', `sd-scripts rejected its arguments: ${argumentError}`);
    }
    if (outOfMemory) {
      return fail(
        'out-of-memory',
        `sd-scripts ran out of GPU memory (exit code ${exitCode}). Lower the batch size or the resolution (preset trash-tier).`,
      );
    }
    const last = [...logTail].reverse().find((line) => /\w/.test(line)) ?? '(no output)';
    return fail('exit-code', `sd-scripts exited with code ${exitCode}: ${last.trim()}`);
  }
  if (!modelSaved) {
    return fail(
      'incomplete',
      'sd-scripts exited with code 0 but never reported "model saved.": no model was trained.',
    );
  }
  if (totalEpochs !== null) endEpoch(totalEpochs);
  flushCheckpoints(true);
  scanSamples(Number.POSITIVE_INFINITY);
  if (!existsSync(finalPath)) {
    return fail('missing-output', `sd-scripts reported "model saved." but ${finalPath} does not exist.`);
  }
  return {
    status: 'succeeded',
    modelPath: finalPath,
    checkpoints,
    samples,
    epochs: epochs(),
    totalSteps,
    durationMs,
  };
}
