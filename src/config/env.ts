import { existsSync } from 'node:fs';
import { z } from 'zod';

/**
 * The only place that reads process.env. Each process asks for the sections it needs and gets one typed
 * object, or one error naming every missing or invalid variable.
 */

const URL_MESSAGE = 'must be a full URL such as https://example.org';
const optionalUrl = z.url({ error: URL_MESSAGE }).optional();

/** A number typed into an environment variable; the message says which range, and the value is added by readConfig. */
function numberVariable(options: { min: number; max: number; integer?: boolean }) {
  const what = options.integer ? 'a whole number' : 'a number';
  const message = `must be ${what} from ${options.min} to ${options.max}`;
  return z.string().transform((text, context) => {
    const value = Number(text.trim());
    const fits =
      text.trim() !== '' &&
      Number.isFinite(value) &&
      value >= options.min &&
      value <= options.max &&
      (!options.integer || Number.isInteger(value));
    if (fits) return value;
    context.addIssue({ code: 'custom', message });
    return z.NEVER;
  });
}

export const WORKER_ROLE_NAMES = ['fetch', 'autotag', 'train'] as const;
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const sections = {
  database: z.object({
    DATABASE_URL: z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL')
      .default('postgres://postgres@127.0.0.1:5432/kiln'),
  }),
  redis: z.object({
    REDIS_URL: z
      .string()
      .regex(/^rediss?:\/\//, 'must be a redis:// URL')
      .default('redis://127.0.0.1:6379'),
  }),
  runtime: z.object({
    DATA_DIR: z.string().min(1).default('./data'),
    LOG_LEVEL: z.enum(LOG_LEVELS, { error: `must be one of ${LOG_LEVELS.join(', ')}` }).default('info'),
  }),
  /** Where every kept file lives: a local folder (DATA_DIR) or an S3-compatible object store. */
  storage: z
    .object({
      STORAGE: z.enum(['local', 's3'], { error: 'must be local or s3' }).default('local'),
      S3_ENDPOINT: optionalUrl,
      /** Where people download from, when not S3_ENDPOINT (presigned links are signed for this address). */
      S3_PUBLIC_ENDPOINT: optionalUrl,
      S3_REGION: z.string().min(1).default('us-east-1'),
      S3_BUCKET: z
        .string()
        .regex(
          /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/,
          'must be a bucket name (3 to 63 lowercase letters, digits, dots, dashes)',
        )
        .optional(),
      S3_ACCESS_KEY_ID: z.string().min(1).optional(),
      S3_SECRET_ACCESS_KEY: z.string().min(1).optional(),
      /** Default: on when S3_ENDPOINT is set (MinIO and most self-hosted stores), off for AWS. */
      S3_FORCE_PATH_STYLE: z.enum(['on', 'off'], { error: 'must be on or off' }).optional(),
    })
    .superRefine((value, context) => {
      if (value.STORAGE !== 's3') return;
      for (const key of ['S3_BUCKET', 'S3_ACCESS_KEY_ID', 'S3_SECRET_ACCESS_KEY'] as const) {
        if (value[key] === undefined) {
          context.addIssue({ code: 'custom', path: [key], message: 'is required when STORAGE=s3' });
        }
      }
    }),
  /** `kiln invite-url` needs only the application id, not the token. */
  application: z.object({
    DISCORD_APPLICATION_ID: z.string().regex(/^\d{15,25}$/, 'must be the numeric application id'),
  }),
  discord: z.object({
    DISCORD_TOKEN: z.string().min(1, 'is required (the bot token from the Discord developer portal)'),
    DISCORD_APPLICATION_ID: z.string().regex(/^\d{15,25}$/, 'must be the numeric application id'),
    DISCORD_API_URL: optionalUrl,
    DISCORD_DEV_GUILD_ID: z
      .string()
      .regex(/^\d{15,25}$/, 'must be a numeric guild id')
      .optional(),
  }),
  /** What a worker needs to post progress and results into project threads (REST only, no gateway). */
  notify: z.object({
    DISCORD_TOKEN: z
      .string()
      .optional()
      .transform((value, context) => {
        if (value) return value;
        context.addIssue({
          code: 'custom',
          message:
            'is required: the worker posts job progress and results into the project threads with the bot token',
        });
        return z.NEVER;
      }),
    DISCORD_API_URL: optionalUrl,
  }),
  worker: z.object({
    WORKER_ROLES: z
      .string()
      .default('fetch,autotag,train')
      .transform((value, context) => {
        const roles = value
          .split(',')
          .map((role) => role.trim())
          .filter(Boolean);
        const known: readonly string[] = WORKER_ROLE_NAMES;
        const unknown = roles.filter((role) => !known.includes(role));
        for (const role of unknown) {
          context.addIssue({
            code: 'custom',
            message: `'${role}' is not a role (${WORKER_ROLE_NAMES.join(', ')})`,
          });
        }
        if (roles.length === 0) {
          context.addIssue({
            code: 'custom',
            message: `no role given; name one or more of ${WORKER_ROLE_NAMES.join(', ')}, comma-separated`,
          });
        }
        if (unknown.length > 0 || roles.length === 0) return z.NEVER;
        return roles as Array<(typeof WORKER_ROLE_NAMES)[number]>;
      }),
  }),
  e621: z.object({
    E621_BASE_URL: z.url({ error: URL_MESSAGE }).default('https://e621.net'),
    E621_USER: z.string().min(1).optional(),
    E621_API_KEY: z.string().min(1).optional(),
  }),
  tagger: z.object({
    MODELS_DIR: z.string().min(1).default('./data/models'),
    /** Where `kiln models download` fetches from: Hugging Face, a mirror with its URL layout, or a stand-in. */
    HF_BASE_URL: z.url({ error: URL_MESSAGE }).default('https://huggingface.co'),
  }),
  trainer: z.object({
    SD_SCRIPTS_DIR: z.string().min(1).optional(),
    BASE_MODELS_FILE: z.string().min(1).optional(),
    GPU_MEMORY_GB: numberVariable({ min: 1, max: 1024 }).optional(),
    /** Sample every epoch for the likeness check and the epoch vote (`off`: the vote offers the files alone). */
    TRAIN_EPOCH_SAMPLES: z.enum(['on', 'off'], { error: 'must be on or off' }).default('on'),
    /** `cpu` allows training without CUDA (tests, a CPU-only box: very slow) and trains in fp32. */
    TRAIN_DEVICE: z.enum(['cuda', 'cpu'], { error: 'must be cuda or cpu' }).default('cuda'),
    /**
     * The command that starts a training script, before the script name: a JSON array of strings, or words split
     * on whitespace. Default `accelerate launch --num_cpu_threads_per_process 1`.
     */
    SD_SCRIPTS_LAUNCHER: z
      .string()
      .transform((value, context) => {
        const trimmed = value.trim();
        let words: unknown = trimmed.split(/\s+/);
        if (trimmed.startsWith('[')) {
          try {
            words = JSON.parse(trimmed);
          } catch {
            words = null;
          }
        }
        if (
          !Array.isArray(words) ||
          words.length === 0 ||
          !words.every((w) => typeof w === 'string' && w !== '')
        ) {
          context.addIssue({
            code: 'custom',
            message: 'must be a JSON array of strings or whitespace-separated words',
          });
          return z.NEVER;
        }
        return words as string[];
      })
      .optional(),
    PUBLIC_URL: optionalUrl,
    LINK_SECRET: z.string().min(16, 'must be at least 16 characters long').optional(),
    /** Where the bot's download server listens; PUBLIC_URL is its address as the world sees it. */
    LINK_PORT: numberVariable({ min: 1, max: 65535, integer: true }).default(8787),
    LINK_HOST: z.string().min(1).default('0.0.0.0'),
    /** How long a download link works. */
    LINK_TTL_HOURS: numberVariable({ min: 1, max: 24 * 365 }).default(168),
  }),
} as const;

export type SectionName = keyof typeof sections;
type SectionShape<N extends SectionName> = z.output<(typeof sections)[N]>;
type UnionToIntersection<U> = (U extends unknown ? (x: U) => void : never) extends (x: infer I) => void
  ? I
  : never;
export type ConfigFor<N extends SectionName> = UnionToIntersection<SectionShape<N>>;

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/** Loads `.env` from the working directory once, without overriding variables already set. */
export function loadDotEnv(path = '.env'): void {
  if (existsSync(path)) process.loadEnvFile(path);
}

/** One problem in plain words: the variable, what is wrong, and the value typed (never a secret's). */
function describeIssue(issue: z.core.$ZodIssue, env: Record<string, string | undefined>): string {
  const key = String(issue.path[0] ?? '');
  const value = env[key];
  if (value === undefined) {
    return issue.code === 'custom' ? `${key} ${issue.message}` : `${key} is required`;
  }
  if (issue.code === 'custom' && key === 'WORKER_ROLES') return `${key}: ${issue.message}`;
  const secret = (SECRET_KEYS as readonly string[]).includes(key);
  return `${key} ${issue.message}${secret ? '' : `; got ${JSON.stringify(value)}`}`;
}

export function readConfig<const N extends SectionName>(
  names: readonly N[],
  env: Record<string, string | undefined> = process.env,
): ConfigFor<N> {
  const problems: string[] = [];
  const result: Record<string, unknown> = {};
  for (const name of names) {
    // Empty strings in .env files mean "not set".
    const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
    const parsed = sections[name].safeParse(cleaned);
    if (parsed.success) Object.assign(result, parsed.data);
    else for (const issue of parsed.error.issues) problems.push(describeIssue(issue, cleaned));
  }
  if (problems.length > 0) throw new ConfigError([...new Set(problems)]);
  return result as ConfigFor<N>;
}

/**
 * The process environment, for code that hands it on to section readers (the worker passes it to each
 * role's `readConfig`); reading it stays in this module.
 */
export function processEnvironment(): Record<string, string | undefined> {
  return process.env;
}

/** Variables that must never be printed. */
export const SECRET_KEYS = ['DISCORD_TOKEN', 'E621_API_KEY', 'LINK_SECRET', 'S3_SECRET_ACCESS_KEY'] as const;
