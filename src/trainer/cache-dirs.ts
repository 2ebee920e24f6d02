import { join, resolve } from 'node:path';

/**
 * Where sd-scripts keeps what it would otherwise download on every first run, under DATA_DIR so it survives
 * restarts and a box without Hugging Face access can train once the cache is filled: the CLIP tokenizer
 * (`--tokenizer_cache_dir`, read as `<dir>/openai_clip-vit-large-patch14`) and Hugging Face's own cache (HF_HOME,
 * for anything else a script fetches by model id).
 */
export function tokenizerCacheDir(dataDir: string): string {
  return resolve(join(dataDir, 'sd-scripts', 'tokenizers'));
}

export function huggingFaceHome(dataDir: string): string {
  return resolve(join(dataDir, 'sd-scripts', 'huggingface'));
}

/** The folder `--tokenizer_cache_dir` looks in for a script's tokenizer. */
export function tokenizerFolder(dataDir: string, family: 'sd1' | 'sdxl'): string[] {
  const root = tokenizerCacheDir(dataDir);
  const sd1 = join(root, 'openai_clip-vit-large-patch14');
  return family === 'sdxl' ? [sd1, join(root, 'laion_CLIP-ViT-bigG-14-laion2B-39B-b160k')] : [sd1];
}

/** Environment for the training process: Hugging Face's cache under DATA_DIR too. */
export function trainerCacheEnv(dataDir: string): Record<string, string> {
  return { HF_HOME: huggingFaceHome(dataDir) };
}
