import { readFile, stat } from 'node:fs/promises';
import { dirname, extname, isAbsolute, resolve } from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { z } from 'zod';
import { UserError } from '../core/errors.ts';
import type { BaseModel } from '../core/training/plan.ts';

/**
 * The GPU worker's base models (BASE_MODELS_FILE), JSON or TOML:
 *
 *   [[models]]                               [{ "name": "…", "file": "…", "family": "sd1", "tagStyle": "anime" }]
 *   name = "yiffymix"                        (or { "models": [ … ] })
 *   file = "models/yiffymix_v36.safetensors"
 *   family = "sd1"        # sd1 | sdxl
 *   tagStyle = "e621"     # anime | e621
 *   clipSkip = 2          # optional, SD1.x only
 *
 * A relative `file` is relative to the list file's folder.
 */

const modelSchema = z.object({
  name: z
    .string()
    .min(1)
    .max(100)
    .regex(/^[^\s].*[^\s]$|^[^\s]$/, 'must not start or end with a space'),
  file: z.string({ error: 'must be the checkpoint file (text)' }).min(1, 'must not be empty'),
  family: z.enum(['sd1', 'sdxl'], { error: 'must be sd1 or sdxl' }),
  tagStyle: z.enum(['anime', 'e621'], { error: 'must be anime or e621' }),
  clipSkip: z
    .number({ error: 'must be a whole number from 1 to 12' })
    .int('must be a whole number from 1 to 12')
    .min(1, 'must be a whole number from 1 to 12')
    .max(12, 'must be a whole number from 1 to 12')
    .optional(),
});

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
  const seen = new Set<string>();
  const folder = dirname(path);
  return models.map((model) => {
    const key = model.name.toLowerCase();
    if (seen.has(key))
      throw new BaseModelListError(`The base-model list ${path} names ${JSON.stringify(model.name)} twice.`);
    seen.add(key);
    const result: BaseModel = {
      name: model.name,
      file: isAbsolute(model.file) ? model.file : resolve(folder, model.file),
      family: model.family,
      tagStyle: model.tagStyle,
    };
    if (model.clipSkip !== undefined) result.clipSkip = model.clipSkip;
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
}
