// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** A pattern that matches a relative import of a top-level folder of src (or of src/log.ts). */
function folder(...names) {
  return `^(\\.\\./)+(${names.join('|')})(/|\\.ts$|$)`;
}

const drizzleOutsideDb = {
  group: ['drizzle-orm', 'drizzle-orm/*'],
  message: 'Only src/db speaks SQL: put the query in src/db/repositories and call it.',
};

/** What each part of src may not import, besides drizzle-orm (src/db alone may). */
const FORBIDDEN = {
  bot: [
    {
      regex: folder('worker'),
      message: 'The bot never imports the worker: queue a job (src/queue) instead.',
    },
  ],
  worker: [
    {
      regex: folder('bot'),
      message: 'The worker never imports the bot: shared message payloads live in src/views.',
    },
  ],
  web: [
    {
      regex: folder('bot', 'worker', 'cli', 'queue', 'tagger', 'trainer', 'e621', 'notify'),
      message:
        'src/web serves pages over core, db repositories, storage and views; the bot hands it what it needs.',
    },
  ],
  db: [
    {
      regex: folder(
        'app',
        'bot',
        'cli',
        'config',
        'delivery',
        'e621',
        'notify',
        'queue',
        'storage',
        'tagger',
        'tagging',
        'trainer',
        'training',
        'views',
        'worker',
        'log',
      ),
      message: 'The data layer never calls up: src/db imports only src/core and itself.',
    },
  ],
  views: [
    {
      regex: folder('bot', 'worker', 'db'),
      allowTypeImports: true,
      message: 'src/views is pure: it builds payloads from values (core, and types only from src/db).',
    },
  ],
  core: [
    {
      group: [
        'discord.js',
        'bullmq',
        'ioredis',
        'drizzle-orm*',
        'pg',
        'undici',
        'execa',
        'onnxruntime-node',
        'sharp',
        'node:*',
        'fs',
        'path',
      ],
      message: 'src/core is pure: put I/O behind an adapter.',
    },
    {
      // src/core/training shares its name with src/training; depcruise's core-is-pure catches that one.
      regex: folder(
        'app',
        'bot',
        'cli',
        'config',
        'db',
        'delivery',
        'e621',
        'notify',
        'queue',
        'storage',
        'tagger',
        'tagging',
        'trainer',
        'views',
        'worker',
        'log',
      ),
      message: 'src/core is pure: it imports only itself (and zod).',
    },
  ],
};

/** One no-restricted-imports block per part: flat config replaces a rule's options, it never merges them. */
function fences() {
  const rule = '@typescript-eslint/no-restricted-imports';
  return [
    {
      files: ['src/**/*.ts'],
      ignores: ['src/db/**'],
      rules: { [rule]: ['error', { patterns: [drizzleOutsideDb] }] },
    },
    ...Object.entries(FORBIDDEN).map(([part, patterns]) => ({
      files: [`src/${part}/**/*.ts`],
      rules: { [rule]: ['error', { patterns: part === 'db' ? patterns : [drizzleOutsideDb, ...patterns] }] },
    })),
  ];
}

export default tseslint.config(
  { ignores: ['node_modules/', 'drizzle/', 'coverage/', 'data/', '.tmp/'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/restrict-template-expressions': [
        'error',
        { allowNumber: true, allowBoolean: true },
      ],
    },
  },
  {
    files: ['**/*.js', '**/*.cjs'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: {
      ...tseslint.configs.disableTypeChecked.languageOptions,
      globals: {
        process: 'readonly',
        console: 'readonly',
        Buffer: 'readonly',
        URL: 'readonly',
        setTimeout: 'readonly',
        module: 'writable',
      },
    },
  },
  {
    // The web editor's pages: plain ES modules run by the browser as they are (no build step).
    files: ['src/web/static/**/*.js'],
    languageOptions: {
      sourceType: 'module',
      globals: {
        window: 'readonly',
        document: 'readonly',
        location: 'readonly',
        fetch: 'readonly',
        URL: 'readonly',
        URLSearchParams: 'readonly',
        Image: 'readonly',
        console: 'readonly',
        setTimeout: 'readonly',
      },
    },
  },
  // The fences between the parts (DESIGN.md): bot and worker meet only through the queue, the database and
  // src/views; the data layer never calls up; only src/db speaks SQL. A crossing import names the other part's
  // folder right after its run of `../`, so one pattern per forbidden arrow catches it.
  ...fences(),
);
