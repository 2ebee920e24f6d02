import { readFile, stat } from 'node:fs/promises';
import { dirname, extname, isAbsolute, resolve } from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { z } from 'zod';
import { UserError } from '../core/errors.ts';
import { BASE_MODEL_KINDS, KIND_DEFAULTS } from '../core/training/base-model-kinds.ts';
import { checkpointMismatches, classifyCheckpoint } from '../core/training/model-header.ts';
import type { BaseModel } from '../core/training/plan.ts';
import { readSafetensorsHeader, SafetensorsError } from './safetensors.ts';

/**
 * The GPU worker's base models (BASE_MODELS_FILE), JSON or TOML:
 *
 *   [[models]]                               [{ "name": "…", "file": "…", "family": "sd1", "tagStyle": "anime" }]
 *   name = "yiffymix"                        (or { "models": [ … ] })
 *   file = "models/yiffymix_v36.safetensors"
 *   family = "sd1"        # sd1 | sdxl
 *   tagStyle = "e621"     # anime | e621
 *   clipSkip = 2          # optional, SD1.x only
 *   kind = "noobai"       # optional: illustrious | noobai | pony (SDXL; sets family, tagStyle, promptPrefix)
 *   prediction = "v"      # optional: epsilon (default) | v
 *   promptPrefix = "…"    # optional, put before every sample prompt
 *
 * A relative `file` is relative to the list file's folder. Lists written before `kind` and `prediction` existed
 * stay valid: their entries are ε models whose family and tag style are given.
 */

const modelSchema = z
  .object({
    name: z
      .string()
      .min(1)
      .max(100)
      .regex(/^[^\s].*[^\s]$|^[^\s]$/, 'must not start or end with a space'),
    file: z.string({ error: 'must be the checkpoint file (text)' }).min(1, 'must not be empty'),
    family: z.enum(['sd1', 'sdxl'], { error: 'must be sd1 or sdxl' }).optional(),
    tagStyle: z.enum(['anime', 'e621'], { error: 'must be anime or e621' }).optional(),
    clipSkip: z
      .number({ error: 'must be a whole number from 1 to 12' })
      .int('must be a whole number from 1 to 12')
      .min(1, 'must be a whole number from 1 to 12')
      .max(12, 'must be a whole number from 1 to 12')
      .optional(),
    kind: z.enum(BASE_MODEL_KINDS, { error: `must be one of ${BASE_MODEL_KINDS.join(', ')}` }).optional(),
    prediction: z.enum(['epsilon', 'v'], { error: 'must be epsilon or v' }).optional(),
    promptPrefix: z.string({ error: 'must be text' }).max(300, 'must be at most 300 characters').optional(),
    // Accepted only to explain why it is refused.
    v2: z.boolean().optional(),
  })
  .strict();

type ModelEntry = z.infer<typeof modelSchema>;

/**
 * Combinations sd-scripts would train wrongly, refused with what to change: `v2` (SD 2.x) is not a family Kiln
 * trains and sdxl_train_network.py asserts it off; clip skip on SDXL is ignored by sd-scripts (SDXL always
 * takes the penultimate text-encoder layer, which is what Pony's "clip skip 2" asks for); a named SDXL model
 * declared as SD 1.x.
 */
function entryProblems(entry: ModelEntry): string[] {
  const problems: string[] = [];
  const kind = entry.kind === undefined ? undefined : KIND_DEFAULTS[entry.kind];
  const family = entry.family ?? kind?.family;
  if (entry.v2 !== undefined) {
    problems.push(
      'v2 is for SD 2.x models, which Kiln does not train (and sdxl_train_network.py refuses it); remove v2',
    );
  }
  if (family === undefined) problems.push('family is required (sd1 or sdxl) unless kind is given');
  if (entry.tagStyle === undefined && kind === undefined) {
    problems.push('tagStyle is required (anime or e621) unless kind is given');
  }
  if (kind && family !== kind.family) {
    problems.push(
      `kind ${entry.kind} is an SDXL model, but family is ${family}; remove family or set it to sdxl`,
    );
  }
  if (family === 'sdxl' && entry.clipSkip !== undefined) {
    problems.push(
      `clipSkip ${entry.clipSkip} has no effect on SDXL: sd-scripts ignores it there, and SDXL already reads the text encoders' penultimate layer (what Pony's "clip skip 2" means); remove clipSkip`,
    );
  }
  return problems;
}

const listSchema = z.array(modelSchema);

export class BaseModelListError extends Error {
  override readonly name = 'BaseModelListError';
}

/** The list from BASE_MODELS_FILE, or a UserError naming the variable (an operator's fix, not a bug). */
export async function loadConfiguredBaseModels(path: string): Promise<BaseModel[]> {
  try {
    return await loadBaseModels(path);
  } catch (error) {
    if (error instanceof BaseModelListError) {
      throw new UserError('invalid-option', `BASE_MODELS_FILE: ${error.message}`);
    }
    throw error;
  }
}

/** Loads and validates the list; names must be unique (case-insensitively: people type them). */
export async function loadBaseModels(path: string): Promise<BaseModel[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT'
        ? 'no such file'
        : code === 'EACCES'
          ? 'permission denied'
          : code === 'EISDIR'
            ? 'it is a folder'
            : (error as Error).message;
    throw new BaseModelListError(`Cannot read the base-model list ${path} (${why}).`);
  }
  let raw: unknown;
  const extension = extname(path).toLowerCase();
  try {
    if (extension === '.toml') raw = parseToml(text);
    else if (extension === '.json') raw = JSON.parse(text);
    else throw new Error('the file name must end in .json or .toml');
  } catch (error) {
    throw new BaseModelListError(`The base-model list ${path} is not valid: ${(error as Error).message}`);
  }
  // A bare array (JSON) or a `models` array of tables (TOML's [[models]]).
  const list =
    raw !== null && typeof raw === 'object' && !Array.isArray(raw)
      ? (raw as { models?: unknown }).models
      : raw;
  if (!Array.isArray(list)) {
    throw new BaseModelListError(
      `The base-model list ${path} must be an array of models or have a "models" array.`,
    );
  }
  const parsed = listSchema.safeParse(list);
  if (!parsed.success) {
    // "model 1 (yiffymix): tagStyle must be anime or e621", not zod's "0.tagStyle Invalid option".
    const problems = parsed.error.issues.map((issue) => {
      const [index, field] = issue.path;
      const entry =
        typeof index === 'number' ? (list[index] as Record<string, unknown> | undefined) : undefined;
      const name = typeof entry?.name === 'string' ? ` (${entry.name})` : '';
      const where = typeof index === 'number' ? `model ${index + 1}${name}` : 'the list';
      const missing = entry !== undefined && field !== undefined && entry[String(field)] === undefined;
      const what = missing ? 'is missing' : issue.message;
      return field === undefined ? `${where}: ${what}` : `${where}: ${String(field)} ${what}`;
    });
    throw new BaseModelListError(`The base-model list ${path} is not valid: ${problems.join('; ')}`);
  }
  const models = parsed.data;
  if (models.length === 0) throw new BaseModelListError(`The base-model list ${path} has no models.`);
  const problems = models.flatMap((model, index) =>
    entryProblems(model).map((problem) => `model ${index + 1} (${model.name}): ${problem}`),
  );
  if (problems.length > 0) {
    throw new BaseModelListError(`The base-model list ${path} is not valid: ${problems.join('; ')}`);
  }
  const seen = new Set<string>();
  const folder = dirname(path);
  return models.map((model) => {
    const key = model.name.toLowerCase();
    if (seen.has(key))
      throw new BaseModelListError(`The base-model list ${path} names ${JSON.stringify(model.name)} twice.`);
    seen.add(key);
    const kind = model.kind;
    const defaults = kind === undefined ? undefined : KIND_DEFAULTS[kind];
    const result: BaseModel = {
      name: model.name,
      file: isAbsolute(model.file) ? model.file : resolve(folder, model.file),
      // entryProblems guarantees one of each pair.
      family: (model.family ?? defaults?.family) as BaseModel['family'],
      tagStyle: (model.tagStyle ?? defaults?.tagStyle) as BaseModel['tagStyle'],
    };
    if (model.clipSkip !== undefined) result.clipSkip = model.clipSkip;
    if (kind !== undefined) result.kind = kind;
    if (model.prediction !== undefined) result.prediction = model.prediction;
    const prefix = model.promptPrefix ?? defaults?.promptPrefix;
    if (prefix) result.promptPrefix = prefix;
    return result;
  });
}

/** Finds a model by name (case-insensitive); an unknown name lists the known ones. */
export function findBaseModel(models: readonly BaseModel[], name: string): BaseModel {
  const model = models.find((candidate) => candidate.name.toLowerCase() === name.trim().toLowerCase());
  if (!model) {
    throw new UserError(
      'not-found',
      `Unknown base model ${JSON.stringify(name)}. Known base models: ${models.map((m) => m.name).join(', ')}.`,
    );
  }
  return model;
}

/** The checkpoint must exist on this worker before anything is built for it. */
export async function assertBaseModelFile(model: BaseModel): Promise<void> {
  try {
    const info = await stat(model.file);
    // A checkpoint file, or a Diffusers folder (sd-scripts accepts both).
    if (!(info.isFile() && info.size > 0) && !info.isDirectory()) throw new Error('not a model');
  } catch {
    throw new UserError(
      'model-missing',
      `The file of base model ${JSON.stringify(model.name)} is missing on this worker: ${model.file}`,
    );
  }
  await assertBaseModelHeader(model);
}

/**
 * Refuses an entry its checkpoint contradicts (an SDXL kind on an SD 1.x file, a v-pred file declared ε, and the
 * reverse), and a .safetensors file whose header cannot be read. A Diffusers folder or a .ckpt is left to
 * sd-scripts.
 */
export async function assertBaseModelHeader(model: BaseModel): Promise<void> {
  if (extname(model.file).toLowerCase() !== '.safetensors') return;
  let header;
  try {
    header = await readSafetensorsHeader(model.file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EISDIR') return;
    // Refused here, on the card, rather than by a Python traceback from sd-scripts' loader.
    if (error instanceof SafetensorsError) {
      throw new UserError(
        'invalid-model',
        `The file of base model ${JSON.stringify(model.name)} is not a readable .safetensors checkpoint (${error.message}); replace the file on the worker (kiln doctor shows it).`,
      );
    }
    throw error;
  }
  const problems = checkpointMismatches(
    model,
    classifyCheckpoint({ tensorNames: header.tensors.keys(), metadata: header.metadata }),
  );
  if (problems.length > 0) {
    throw new UserError(
      'invalid-model',
      `Base model ${JSON.stringify(model.name)} does not match its file ${model.file}: ${problems.join('; ')}. Fix the entry in the base-model list.`,
    );
  }
}
