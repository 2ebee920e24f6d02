import { chmod, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildProgram, describeFatal } from '../../src/cli/main.ts';
import { ConfigError, readConfig, type SectionName } from '../../src/config/env.ts';
import { given, startFakeE621, type FakeE621 } from '../fakes/e621/index.ts';

/**
 * The catalogue of bad inputs and faults (issue 11): each row is one thing an operator or a careless user can do
 * wrong, with the exact answer Kiln must give. CLI rows run the real program (its commands, commander's parsing
 * and the error printer of bin/kiln) in this process, one after another, for speed; fault rows that need a real
 * process (a signal, a hang, a port, a fresh start) spawn `kiln`. Config rows call the config loader directly.
 * The Discord side's rows live in the bot's own catalogue (see /lora tests).
 */

let root: string;
let e621: FakeE621;
let emptyE621: FakeE621;
let silent: Server;
let silentUrl: string;
let busy: Server;
let busyPort: number;

/** A folder nothing can be written into: a read-only bit does not stop root, /sys/kernel stops everyone. */
let readOnlyDir: string;

const p = (...parts: string[]) => join(root, ...parts);

async function jpeg(path: string, width = 800, height = 800): Promise<void> {
  await sharp({ create: { width, height, channels: 3, background: '#808080' } })
    .jpeg()
    .toFile(path);
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'kiln-catalogue-'));
  const good = p('good');
  await mkdir(good);
  for (const i of [0, 1]) {
    await jpeg(p('good', `p${i}.jpg`));
    await writeFile(p('good', `p${i}.txt`), 'krystal, solo\n');
  }
  await mkdir(p('empty'));
  await mkdir(p('captions-only'));
  await writeFile(p('captions-only', 'a.txt'), 'krystal, solo\n');
  await mkdir(p('uncaptioned'));
  await jpeg(p('uncaptioned', 'a.jpg'));
  await jpeg(p('uncaptioned', 'b.jpg'));
  await writeFile(p('uncaptioned', 'b.txt'), 'krystal, solo\n');
  await mkdir(p('orphan'));
  await jpeg(p('orphan', 'a.jpg'));
  await jpeg(p('orphan', 'a2.jpg'));
  await writeFile(p('orphan', 'a2.txt'), 'krystal, solo\n');
  await writeFile(p('orphan', 'a.txt'), 'krystal, solo\n');
  await writeFile(p('orphan', 'gone.txt'), 'krystal, solo\n');
  await mkdir(p('disagree'));
  await jpeg(p('disagree', 'a.jpg'));
  await writeFile(p('disagree', 'a.txt'), 'krystal, solo\n');
  await jpeg(p('disagree', 'b.jpg'));
  await writeFile(p('disagree', 'b.txt'), 'fox, solo\n');
  await mkdir(p('empty-caption'));
  await jpeg(p('empty-caption', 'a.jpg'));
  await jpeg(p('empty-caption', 'a2.jpg'));
  await writeFile(p('empty-caption', 'a2.txt'), 'krystal, solo\n');
  await writeFile(p('empty-caption', 'a.txt'), '\n');
  await mkdir(p('bad-entries'));
  await jpeg(p('bad-entries', 'a.jpg'));
  await jpeg(p('bad-entries', 'a2.jpg'));
  await writeFile(p('bad-entries', 'a2.txt'), 'krystal, solo\n');
  await writeFile(p('bad-entries', 'a.txt'), 'krystal, solo\n');
  await writeFile(p('bad-entries', 'corrupt.png'), 'not an image');
  await symlink('loop.png', p('bad-entries', 'loop.png'));
  await writeFile(Buffer.from(p('bad-entries', 'caf\xe9.jpg'), 'latin1'), 'x');
  await writeFile(p('a-file'), 'not a folder');
  await writeFile(p('bad.json'), '{bad');
  await writeFile(p('shape.toml'), 'name = "x"\n');
  await writeFile(p('styles.json'), JSON.stringify([{ name: 'mix', file: 'a-file', tagStyle: 'furry' }]));
  await writeFile(
    p('models.json'),
    JSON.stringify([{ name: 'testmix', file: 'a-file', family: 'sd1', tagStyle: 'e621' }]),
  );
  await mkdir(p('no-models'));
  await mkdir(p('planted'));
  await writeFile(p('victim.png'), 'must survive');
  await writeFile(
    p('planted', 'manifest.json'),
    JSON.stringify({
      version: 1,
      source: 'x',
      updatedAt: 'x',
      query: {},
      caption: {},
      counts: {},
      taken: [
        {
          id: 1,
          rank: 1,
          md5: 'x',
          ext: 'png',
          file: '../victim.png',
          caption: '1.txt',
          width: 1,
          height: 1,
          imageMd5: 'x',
          dhash: 'x',
          score: 1,
          rating: 's',
        },
      ],
      skipped: [],
      duplicates: [],
      warnings: [],
    }),
  );
  if (process.getuid?.() === 0) readOnlyDir = '/sys/kernel';
  else {
    readOnlyDir = p('read-only');
    await mkdir(readOnlyDir);
    await chmod(readOnlyDir, 0o555);
  }
  e621 = await startFakeE621({
    imageCacheDir: join(tmpdir(), 'kiln-fake-e621-test-images'),
    imageSize: { min: 300, max: 400 },
    posts: given.posts(2, { firstId: 100, topScore: 1000 }),
  });
  // Its one matching post's file is corrupt: the query matches, and nothing can be stored.
  emptyE621 = await startFakeE621({ posts: [given.post({ id: 170, score: 995, image: { corrupt: true } })] });
  // Accepts connections and never answers: an e621 that hangs, to press Ctrl-C against.
  silent = createServer(() => undefined);
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  silentUrl = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
  busy = createServer(() => undefined);
  await new Promise<void>((resolve) => busy.listen(0, '0.0.0.0', resolve));
  busyPort = (busy.address() as AddressInfo).port;
});

afterAll(async () => {
  await e621?.close();
  await emptyE621?.close();
  silent?.closeAllConnections();
  busy?.closeAllConnections();
  await new Promise((resolve) => silent?.close(resolve));
  await new Promise((resolve) => busy?.close(resolve));
  if (readOnlyDir?.startsWith(root)) await chmod(readOnlyDir, 0o755);
  await rm(root, { recursive: true, force: true });
});

interface Answer {
  stdout: string;
  stderr: string;
  exitCode: number;
}

/** The real program in this process: same commands, same parsing, same error printer as bin/kiln. */
async function runInProcess(args: readonly string[], env: Record<string, string>): Promise<Answer> {
  const saved = process.env;
  const out = { stdout: '', stderr: '' };
  const writeOut = process.stdout.write.bind(process.stdout);
  const writeErr = process.stderr.write.bind(process.stderr);
  process.env = { PATH: saved.PATH ?? '', NO_COLOR: '1', ...env };
  process.stdout.write = (text: string | Uint8Array) => {
    out.stdout += String(text);
    return true;
  };
  process.stderr.write = (text: string | Uint8Array) => {
    out.stderr += String(text);
    return true;
  };
  const exitBefore = process.exitCode;
  let exitCode = 0;
  try {
    await buildProgram({
      writeOut: (text) => (out.stdout += text),
      writeErr: (text) => (out.stderr += text),
    }).parseAsync(['node', 'kiln', ...args]);
    exitCode = Number(process.exitCode ?? 0);
  } catch (error) {
    const fatal = describeFatal(error);
    out.stderr += fatal.text;
    exitCode = fatal.exitCode;
  } finally {
    process.stdout.write = writeOut;
    process.stderr.write = writeErr;
    process.env = saved;
    process.exitCode = exitBefore;
  }
  return { ...out, exitCode };
}

function spawnKiln(args: readonly string[], env: Record<string, string>) {
  return execa(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
    env: { PATH: process.env.PATH ?? '', NO_COLOR: '1', ...env },
    extendEnv: false,
    reject: false,
    timeout: 30_000,
  });
}

interface CliCase {
  /** What the user did wrong. */
  name: string;
  args: () => string[];
  env?: () => Record<string, string>;
  /** A line the answer must contain, exactly (stderr unless `stdout`). */
  line: () => string;
  stdout?: boolean;
  exitCode: number;
}

const e621Env = () => ({ E621_BASE_URL: e621.url, E621_USER: 'kiln_tester' });
const fetchArgs = (...extra: string[]) => ['fetch', '--tags', 'krystal, solo', '--out', p('never'), ...extra];
const discordEnv = { DISCORD_TOKEN: 'token-value', DISCORD_APPLICATION_ID: '100000000000000001' };

const cli: CliCase[] = [
  // kiln fetch: options
  {
    name: 'fetch --concurrency abc (was silently ignored)',
    args: () => fetchArgs('--concurrency', 'abc'),
    env: e621Env,
    line: () => 'kiln: --concurrency must be a whole number from 1 to 16, got "abc".',
    exitCode: 1,
  },
  {
    name: 'fetch --concurrency 0',
    args: () => fetchArgs('--concurrency', '0'),
    env: e621Env,
    line: () => 'kiln: --concurrency must be a whole number from 1 to 16, got "0".',
    exitCode: 1,
  },
  {
    name: 'fetch --concurrency 2.5',
    args: () => fetchArgs('--concurrency', '2.5'),
    env: e621Env,
    line: () => 'kiln: --concurrency must be a whole number from 1 to 16, got "2.5".',
    exitCode: 1,
  },
  {
    name: 'fetch --prepend with a newline',
    args: () => fetchArgs('--prepend', 'a\nb'),
    env: e621Env,
    line: () =>
      'kiln: --prepend contains a line break ("a\\nb"); captions are one line, so separate tags with commas.',
    exitCode: 1,
  },
  {
    name: 'fetch --append with CRLF',
    args: () => fetchArgs('--append', 'x\r\ny'),
    env: e621Env,
    line: () =>
      'kiln: --append contains a line break ("x\\r\\ny"); captions are one line, so separate tags with commas.',
    exitCode: 1,
  },
  {
    name: 'fetch --remove with a newline',
    args: () => fetchArgs('--remove', 'solo\n'),
    env: e621Env,
    line: () =>
      'kiln: --remove contains a line break ("solo\\n"); captions are one line, so separate tags with commas.',
    exitCode: 1,
  },
  {
    name: 'fetch --top 0',
    args: () => fetchArgs('--top', '0'),
    env: e621Env,
    line: () => 'kiln: Top N must be between 1 and 5000, got 0.',
    exitCode: 1,
  },
  {
    name: 'fetch --top abc',
    args: () => fetchArgs('--top', 'abc'),
    env: e621Env,
    line: () => 'kiln: Top N must be a whole number, got "abc".',
    exitCode: 1,
  },
  {
    name: 'fetch --min-score abc',
    args: () => fetchArgs('--min-score', 'abc'),
    env: e621Env,
    line: () => 'kiln: Min score must be a whole number, got "abc".',
    exitCode: 1,
  },
  {
    name: 'fetch --ratings z',
    args: () => fetchArgs('--ratings', 'z'),
    env: e621Env,
    line: () => 'kiln: Ratings: "z" is not one of s, q, e.',
    exitCode: 1,
  },
  {
    name: 'fetch --types gif',
    args: () => fetchArgs('--types', 'gif'),
    env: e621Env,
    line: () => 'kiln: File types: "gif" is not allowed (animations and video never enter a training set).',
    exitCode: 1,
  },
  {
    name: 'fetch --tags ""',
    args: () => ['fetch', '--tags', '', '--out', p('never')],
    env: e621Env,
    line: () =>
      'kiln: The query has no required tags yet. Set at least one group, e.g. "krystal, solo | krystal, solo_focus".',
    exitCode: 1,
  },
  {
    name: 'fetch --max-short-side 10',
    args: () => fetchArgs('--max-short-side', '10'),
    env: e621Env,
    line: () => 'kiln: Max short side must be between 256 and 16384, got 10.',
    exitCode: 1,
  },
  {
    name: 'fetch without --out',
    args: () => ['fetch', '--tags', 'krystal'],
    env: e621Env,
    line: () => "error: required option '--out <dir>' not specified",
    exitCode: 1,
  },
  {
    name: 'fetch without E621_USER',
    args: () => fetchArgs(),
    env: () => ({ E621_BASE_URL: e621.url }),
    line: () =>
      '  - E621_USER is required: e621 wants its users\' name in the User-Agent of every API client ("Kiln/x (by <name> on e621)")',
    exitCode: 1,
  },
  {
    name: 'fetch with E621_BASE_URL not a URL',
    args: () => fetchArgs(),
    env: () => ({ E621_BASE_URL: 'e621.net', E621_USER: 'kiln_tester' }),
    line: () => '  - E621_BASE_URL must be a full URL such as https://example.org; got "e621.net"',
    exitCode: 1,
  },
  // kiln fetch: the output folder
  {
    name: 'fetch --out under a file',
    args: () => ['fetch', '--tags', 'krystal', '--out', p('a-file', 'out')],
    env: e621Env,
    line: () =>
      `kiln: Cannot create the output folder ${p('a-file', 'out')} (a part of the path is a file, not a folder).`,
    exitCode: 1,
  },
  {
    name: 'fetch --out /proc/x (hung forever)',
    args: () => ['fetch', '--tags', 'krystal', '--out', '/proc/kiln-x'],
    env: e621Env,
    line: () => 'kiln: Cannot create the output folder /proc/kiln-x (the path cannot be created there).',
    exitCode: 1,
  },
  {
    name: 'fetch --out a read-only folder',
    args: () => ['fetch', '--tags', 'krystal', '--out', readOnlyDir],
    env: e621Env,
    line: () =>
      `kiln: Cannot write into the output folder ${readOnlyDir} (permission denied). Pick another --out.`,
    exitCode: 1,
  },
  {
    name: 'fetch into a folder whose manifest.json names ../victim.png',
    args: () => ['fetch', '--tags', 'krystal', '--out', p('planted')],
    env: e621Env,
    line: () =>
      `kiln: ${p('planted', 'manifest.json')} names "../victim.png" (taken[0].file), which is not a file in ${p('planted')}; Kiln removes nothing outside the folder. Fix or delete manifest.json and run again.`,
    exitCode: 1,
  },
  // kiln tag
  {
    name: 'tag a folder that does not exist',
    args: () => ['tag', p('nope')],
    line: () => `kiln: ${p('nope')} is not a folder.`,
    exitCode: 1,
  },
  {
    name: 'tag a file',
    args: () => ['tag', p('a-file')],
    line: () => `kiln: ${p('a-file')} is not a folder.`,
    exitCode: 1,
  },
  {
    name: 'tag --wd-threshold 1.5',
    args: () => ['tag', p('good'), '--wd-threshold', '1.5'],
    line: () =>
      'kiln: The WD tagger threshold must be a number from 0 to 1 (the guide uses 0.4–0.7); got 1.5.',
    exitCode: 1,
  },
  {
    name: 'tag --e621-threshold abc',
    args: () => ['tag', p('good'), '--e621-threshold', 'abc'],
    line: () => 'kiln: The e621 tagger threshold must be a number from 0 to 1; got "abc".',
    exitCode: 1,
  },
  {
    name: 'tag --only xx',
    args: () => ['tag', p('good'), '--only', 'xx'],
    line: () => "error: option '--only <kind>' argument 'xx' is invalid. Allowed choices are wd, e621.",
    exitCode: 1,
  },
  {
    name: 'tag without the models installed',
    args: () => ['tag', p('good')],
    env: () => ({ MODELS_DIR: p('no-models') }),
    line: () =>
      `kiln: The wd tagger is not installed (${p('no-models', 'wd', 'model.onnx')} is missing). Run \`kiln models download --only wd\`, or tag with the other one only (--only e621).`,
    exitCode: 1,
  },
  // kiln plan
  {
    name: 'plan a folder that does not exist',
    args: () => ['plan', p('nope')],
    line: () => `kiln: Dataset folder ${p('nope')} does not exist.`,
    exitCode: 1,
  },
  {
    name: 'plan a file',
    args: () => ['plan', p('a-file')],
    line: () => `kiln: ${p('a-file')} is not a folder.`,
    exitCode: 1,
  },
  {
    name: 'plan an empty folder',
    args: () => ['plan', p('empty')],
    line: () =>
      `kiln: Dataset folder ${p('empty')} has no images (.png, .jpg, .jpeg or .webp, or kohya N_name subfolders of them).`,
    exitCode: 1,
  },
  {
    name: 'plan a folder of captions without images',
    args: () => ['plan', p('captions-only')],
    line: () =>
      `kiln: Dataset folder ${p('captions-only')} has no images: 1 caption(s) but no image beside them (first: ${p('captions-only', 'a.txt')}).`,
    exitCode: 1,
  },
  {
    name: 'plan images without captions: a warning',
    args: () => ['plan', p('uncaptioned')],
    line: () => `  - 1 image(s) have no .txt caption beside them: ${p('uncaptioned', 'a.jpg')}`,
    stdout: true,
    exitCode: 0,
  },
  {
    name: 'plan a caption without its image: a warning',
    args: () => ['plan', p('orphan')],
    line: () => `  - 1 caption(s) have no image beside them: ${p('orphan', 'gone.txt')}`,
    stdout: true,
    exitCode: 0,
  },
  {
    name: 'plan captions that start with different tags: a warning',
    args: () => ['plan', p('disagree')],
    line: () =>
      '  - the captions do not all start with the same tag; put the main tag first in every caption or pass --main-tag',
    stdout: true,
    exitCode: 0,
  },
  {
    name: 'plan an empty caption: a warning',
    args: () => ['plan', p('empty-caption')],
    line: () => `  - 1 caption(s) are empty: ${p('empty-caption', 'a.jpg')}`,
    stdout: true,
    exitCode: 0,
  },
  {
    name: 'plan a folder with a corrupt image: skipped and named',
    args: () => ['plan', p('bad-entries')],
    line: () => `  - skipped ${p('bad-entries', 'corrupt.png')}: it cannot be read as an image`,
    stdout: true,
    exitCode: 0,
  },
  {
    name: 'plan a folder with a symlink loop: skipped and named',
    args: () => ['plan', p('bad-entries')],
    line: () =>
      `  - skipped ${p('bad-entries', 'loop.png')}: it is a symbolic link that loops back on itself`,
    stdout: true,
    exitCode: 0,
  },
  {
    name: 'plan a folder with a non-UTF-8 name: skipped and named (not "Input file is missing")',
    args: () => ['plan', p('bad-entries')],
    line: () =>
      `  - skipped ${p('bad-entries', 'caf\\xe9.jpg')}: its name is not valid UTF-8; rename it to include it`,
    stdout: true,
    exitCode: 0,
  },
  {
    name: 'plan --strength abc',
    args: () => ['plan', p('good'), '--strength', 'abc'],
    line: () => 'kiln: --strength must be a number, got "abc".',
    exitCode: 1,
  },
  {
    name: 'plan --epochs ""',
    args: () => ['plan', p('good'), '--epochs', ''],
    line: () => 'kiln: --epochs must be a number, got "".',
    exitCode: 1,
  },
  {
    name: 'plan --preset huge',
    args: () => ['plan', p('good'), '--preset', 'huge'],
    line: () =>
      "error: option '--preset <preset>' argument 'huge' is invalid. Allowed choices are full, trash.",
    exitCode: 1,
  },
  {
    name: 'plan --base-model without BASE_MODELS_FILE',
    args: () => ['plan', p('good'), '--base-model', 'x'],
    line: () => 'kiln: Set BASE_MODELS_FILE to the base-model list (JSON or TOML) to pick a base model.',
    exitCode: 1,
  },
  {
    name: 'BASE_MODELS_FILE that does not exist (was a stack trace)',
    args: () => ['plan', p('good'), '--base-model', 'x'],
    env: () => ({ BASE_MODELS_FILE: p('nope.json') }),
    line: () => `kiln: BASE_MODELS_FILE: Cannot read the base-model list ${p('nope.json')} (no such file).`,
    exitCode: 1,
  },
  {
    name: 'BASE_MODELS_FILE that is not JSON (was a stack trace)',
    args: () => ['plan', p('good'), '--base-model', 'x'],
    env: () => ({ BASE_MODELS_FILE: p('bad.json') }),
    line: () =>
      `kiln: BASE_MODELS_FILE: The base-model list ${p('bad.json')} is not valid: Expected property name`,
    exitCode: 1,
  },
  {
    name: 'BASE_MODELS_FILE TOML without a models list (was a stack trace)',
    args: () => ['plan', p('good'), '--base-model', 'x'],
    env: () => ({ BASE_MODELS_FILE: p('shape.toml') }),
    line: () =>
      `kiln: BASE_MODELS_FILE: The base-model list ${p('shape.toml')} must be an array of models or have a "models" array.`,
    exitCode: 1,
  },
  {
    name: 'BASE_MODELS_FILE with a model of an unknown tag style',
    args: () => ['plan', p('good'), '--base-model', 'x'],
    env: () => ({ BASE_MODELS_FILE: p('styles.json') }),
    line: () =>
      `kiln: BASE_MODELS_FILE: The base-model list ${p('styles.json')} is not valid: model 1 (mix): tagStyle must be anime or e621`,
    exitCode: 1,
  },
  {
    name: '--base-model not in the list',
    args: () => ['plan', p('good'), '--base-model', 'nomix'],
    env: () => ({ BASE_MODELS_FILE: p('models.json') }),
    line: () => 'kiln: Unknown base model "nomix". Known base models: testmix.',
    exitCode: 1,
  },
  // kiln train: input checks before anything runs
  {
    name: 'train without --base-model',
    args: () => ['train', p('good')],
    env: () => ({ SD_SCRIPTS_DIR: p('empty') }),
    line: () => 'kiln: Pick a base model with --base-model <name>.',
    exitCode: 1,
  },
  {
    name: 'train without SD_SCRIPTS_DIR',
    args: () => ['train', p('good'), '--base-model', 'testmix'],
    env: () => ({ BASE_MODELS_FILE: p('models.json') }),
    line: () => 'kiln: Set SD_SCRIPTS_DIR to the sd-scripts folder (where train_network.py is).',
    exitCode: 1,
  },
  {
    name: 'train an empty folder (was "captions do not all start with the same tag")',
    args: () => ['train', p('empty'), '--base-model', 'testmix'],
    env: () => ({ BASE_MODELS_FILE: p('models.json'), SD_SCRIPTS_DIR: p('empty') }),
    line: () =>
      `kiln: Dataset folder ${p('empty')} has no images (.png, .jpg, .jpeg or .webp, or kohya N_name subfolders of them).`,
    exitCode: 1,
  },
  {
    name: 'train captions without images',
    args: () => ['train', p('captions-only'), '--base-model', 'testmix'],
    env: () => ({ BASE_MODELS_FILE: p('models.json'), SD_SCRIPTS_DIR: p('empty') }),
    line: () =>
      `kiln: Dataset folder ${p('captions-only')} has no images: 1 caption(s) but no image beside them (first: ${p('captions-only', 'a.txt')}).`,
    exitCode: 1,
  },
  {
    name: 'train images without captions',
    args: () => ['train', p('uncaptioned'), '--base-model', 'testmix'],
    env: () => ({ BASE_MODELS_FILE: p('models.json'), SD_SCRIPTS_DIR: p('empty') }),
    line: () =>
      `kiln: 1 image(s) have no .txt caption beside them (first: ${p('uncaptioned', 'a.jpg')}); caption them (kiln tag ${p('uncaptioned')}) or remove them.`,
    exitCode: 1,
  },
  {
    name: 'train an empty caption',
    args: () => ['train', p('empty-caption'), '--base-model', 'testmix'],
    env: () => ({ BASE_MODELS_FILE: p('models.json'), SD_SCRIPTS_DIR: p('empty') }),
    line: () =>
      `kiln: The caption of ${p('empty-caption', 'a.jpg')} is empty; put the main tag and the image's tags in it.`,
    exitCode: 1,
  },
  {
    name: 'train captions that start with different tags',
    args: () => ['train', p('disagree'), '--base-model', 'testmix'],
    env: () => ({ BASE_MODELS_FILE: p('models.json'), SD_SCRIPTS_DIR: p('empty') }),
    line: () =>
      'kiln: The captions do not all start with the same tag; put the main tag first in every caption or pass --main-tag.',
    exitCode: 1,
  },
  // Discord set-up commands
  {
    name: 'invite-url with only the application id (demanded a token)',
    args: () => ['invite-url'],
    env: () => ({ DISCORD_APPLICATION_ID: '100000000000000001' }),
    line: () =>
      'https://discord.com/oauth2/authorize?client_id=100000000000000001&scope=bot+applications.commands&permissions=309237763072',
    stdout: true,
    exitCode: 0,
  },
  {
    name: 'invite-url with a non-numeric application id',
    args: () => ['invite-url'],
    env: () => ({ DISCORD_APPLICATION_ID: 'my-bot' }),
    line: () => '  - DISCORD_APPLICATION_ID must be the numeric application id; got "my-bot"',
    exitCode: 1,
  },
  {
    name: 'deploy-commands without a guild (was a stack trace)',
    args: () => ['deploy-commands'],
    env: () => discordEnv,
    line: () =>
      'kiln: deploy-commands needs a guild: give --guild <id> (or set DISCORD_DEV_GUILD_ID), or --global.',
    exitCode: 1,
  },
  {
    name: 'deploy-commands --guild abc',
    args: () => ['deploy-commands', '--guild', 'abc'],
    env: () => discordEnv,
    line: () => 'kiln: --guild must be a numeric guild id, got "abc".',
    exitCode: 1,
  },
  {
    name: 'deploy-commands with Discord unreachable (was a stack trace)',
    args: () => ['deploy-commands', '--global'],
    env: () => ({ ...discordEnv, DISCORD_API_URL: 'http://127.0.0.1:9/api' }),
    line: () =>
      'kiln: Could not reach Discord at http://127.0.0.1:9/api to register the commands (connect ECONNREFUSED 127.0.0.1:9). Check the network, or DISCORD_API_URL.',
    exitCode: 1,
  },
  {
    name: 'deploy-commands with the empty DISCORD_TOKEN= of .env.example',
    args: () => ['deploy-commands', '--global'],
    env: () => ({ DISCORD_TOKEN: '', DISCORD_APPLICATION_ID: '100000000000000001' }),
    line: () => '  - DISCORD_TOKEN is required',
    exitCode: 1,
  },
  // Models
  {
    name: 'models download --only zz',
    args: () => ['models', 'download', '--only', 'zz'],
    line: () => "error: option '--only <kind>' argument 'zz' is invalid. Allowed choices are wd, e621.",
    exitCode: 1,
  },
  {
    name: 'models download into a read-only MODELS_DIR (was a stack trace)',
    args: () => ['models', 'download', '--only', 'wd'],
    env: () => ({ MODELS_DIR: readOnlyDir, HF_BASE_URL: 'http://127.0.0.1:9' }),
    line: () =>
      `kiln: MODELS_DIR: cannot write the models into ${join(readOnlyDir, 'wd')} (permission denied). Point MODELS_DIR at a folder this user may write.`,
    exitCode: 1,
  },
  // Processes: configuration refused before anything connects
  {
    name: 'WORKER_ROLES=fetc',
    args: () => ['worker'],
    env: () => ({ WORKER_ROLES: 'fetc', DISCORD_TOKEN: 'x' }),
    line: () => "  - WORKER_ROLES: 'fetc' is not a role (fetch, autotag, train)",
    exitCode: 1,
  },
  {
    name: 'WORKER_ROLES=" , "',
    args: () => ['worker'],
    env: () => ({ WORKER_ROLES: ' , ', DISCORD_TOKEN: 'x' }),
    line: () => '  - WORKER_ROLES: no role given; name one or more of fetch, autotag, train, comma-separated',
    exitCode: 1,
  },
  {
    name: 'a train worker without SD_SCRIPTS_DIR',
    args: () => ['worker'],
    env: () => ({ WORKER_ROLES: 'train', DISCORD_TOKEN: 'x', BASE_MODELS_FILE: p('models.json') }),
    line: () =>
      '  - SD_SCRIPTS_DIR is required for the train role: the folder of kohya sd-scripts (where train_network.py is), or leave train out of WORKER_ROLES',
    exitCode: 1,
  },
  {
    name: 'a train worker without BASE_MODELS_FILE',
    args: () => ['worker'],
    env: () => ({ WORKER_ROLES: 'train', DISCORD_TOKEN: 'x', SD_SCRIPTS_DIR: p('empty') }),
    line: () =>
      '  - BASE_MODELS_FILE is required for the train role: the JSON or TOML list of base models to train on, or leave train out of WORKER_ROLES',
    exitCode: 1,
  },
  {
    name: 'a worker with a read-only DATA_DIR',
    args: () => ['worker'],
    env: () => ({ WORKER_ROLES: 'autotag', DISCORD_TOKEN: 'x', DATA_DIR: readOnlyDir }),
    line: () =>
      `  - DATA_DIR ${JSON.stringify(readOnlyDir)} cannot be written (${readOnlyDir}: permission denied); the worker stores every job's files there`,
    exitCode: 1,
  },
  {
    name: 'kiln start with LINK_PORT=abc (was "got NaN")',
    args: () => ['start'],
    env: () => ({ ...discordEnv, E621_USER: 'x', WORKER_ROLES: 'fetch', LINK_PORT: 'abc' }),
    line: () => '  - LINK_PORT must be a whole number from 1 to 65535; got "abc"',
    exitCode: 1,
  },
  {
    name: 'migrate with DATABASE_URL=mysql://…',
    args: () => ['migrate'],
    env: () => ({ DATABASE_URL: 'mysql://localhost/kiln' }),
    line: () => '  - DATABASE_URL must be a postgres:// URL; got "mysql://localhost/kiln"',
    exitCode: 1,
  },
  {
    name: 'migrate with a database name Kiln will not create (was "PostgreSQL is not answering")',
    args: () => ['migrate'],
    env: () => ({ DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/Kiln-Missing' }),
    line: () =>
      'kiln: DATABASE_URL names the database "Kiln-Missing", which does not exist, and Kiln creates only databases named with lower-case letters, digits and _ (such as kiln). Create it yourself, or change DATABASE_URL.',
    exitCode: 1,
  },
  {
    name: 'an unknown command',
    args: () => ['fecth'],
    line: () => "error: unknown command 'fecth'",
    exitCode: 1,
  },
];

interface ConfigCase {
  name: string;
  sections: SectionName[];
  env: Record<string, string>;
  /** The problem line, exactly. */
  problem: string;
}

const config: ConfigCase[] = [
  {
    name: 'unknown worker role',
    sections: ['worker'],
    env: { WORKER_ROLES: 'fetch,gpu' },
    problem: "WORKER_ROLES: 'gpu' is not a role (fetch, autotag, train)",
  },
  {
    name: 'worker roles empty after commas',
    sections: ['worker'],
    env: { WORKER_ROLES: ',' },
    problem: 'WORKER_ROLES: no role given; name one or more of fetch, autotag, train, comma-separated',
  },
  {
    name: 'the empty DISCORD_TOKEN= .env.example ships',
    sections: ['discord'],
    env: { DISCORD_TOKEN: '', DISCORD_APPLICATION_ID: '100000000000000001' },
    problem: 'DISCORD_TOKEN is required',
  },
  {
    name: 'worker without a token',
    sections: ['notify'],
    env: { DISCORD_TOKEN: '' },
    problem:
      'DISCORD_TOKEN is required: the worker posts job progress and results into the project threads with the bot token',
  },
  {
    name: 'application id with letters',
    sections: ['application'],
    env: { DISCORD_APPLICATION_ID: '12ab' },
    problem: 'DISCORD_APPLICATION_ID must be the numeric application id; got "12ab"',
  },
  {
    name: 'dev guild id with letters',
    sections: ['discord'],
    env: { DISCORD_TOKEN: 'x', DISCORD_APPLICATION_ID: '100000000000000001', DISCORD_DEV_GUILD_ID: 'guild' },
    problem: 'DISCORD_DEV_GUILD_ID must be a numeric guild id; got "guild"',
  },
  {
    name: 'DISCORD_API_URL not a URL',
    sections: ['notify'],
    env: { DISCORD_TOKEN: 'x', DISCORD_API_URL: 'the discord api' },
    problem: 'DISCORD_API_URL must be a full URL such as https://example.org; got "the discord api"',
  },
  {
    name: 'redis URL of another scheme',
    sections: ['redis'],
    env: { REDIS_URL: 'http://127.0.0.1:6379' },
    problem: 'REDIS_URL must be a redis:// URL; got "http://127.0.0.1:6379"',
  },
  {
    name: 'LOG_LEVEL unknown',
    sections: ['runtime'],
    env: { LOG_LEVEL: 'loud' },
    problem: 'LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent; got "loud"',
  },
  {
    name: 'GPU_MEMORY_GB not a number (was "got NaN")',
    sections: ['trainer'],
    env: { GPU_MEMORY_GB: '24GB' },
    problem: 'GPU_MEMORY_GB must be a number from 1 to 1024; got "24GB"',
  },
  {
    name: 'GPU_MEMORY_GB zero',
    sections: ['trainer'],
    env: { GPU_MEMORY_GB: '0' },
    problem: 'GPU_MEMORY_GB must be a number from 1 to 1024; got "0"',
  },
  {
    name: 'LINK_PORT out of range',
    sections: ['trainer'],
    env: { LINK_PORT: '70000' },
    problem: 'LINK_PORT must be a whole number from 1 to 65535; got "70000"',
  },
  {
    name: 'LINK_PORT fractional',
    sections: ['trainer'],
    env: { LINK_PORT: '80.5' },
    problem: 'LINK_PORT must be a whole number from 1 to 65535; got "80.5"',
  },
  {
    name: 'LINK_TTL_HOURS words',
    sections: ['trainer'],
    env: { LINK_TTL_HOURS: 'a week' },
    problem: 'LINK_TTL_HOURS must be a number from 1 to 8760; got "a week"',
  },
  {
    name: 'LINK_SECRET too short (never echoed)',
    sections: ['trainer'],
    env: { LINK_SECRET: 'hunter2' },
    problem: 'LINK_SECRET must be at least 16 characters long',
  },
  {
    name: 'PUBLIC_URL without a scheme',
    sections: ['trainer'],
    env: { PUBLIC_URL: 'kiln.example.org' },
    problem: 'PUBLIC_URL must be a full URL such as https://example.org; got "kiln.example.org"',
  },
  {
    name: 'TRAIN_EPOCH_SAMPLES yes',
    sections: ['trainer'],
    env: { TRAIN_EPOCH_SAMPLES: 'yes' },
    problem: 'TRAIN_EPOCH_SAMPLES must be on or off; got "yes"',
  },
  {
    name: 'SD_SCRIPTS_LAUNCHER broken JSON',
    sections: ['trainer'],
    env: { SD_SCRIPTS_LAUNCHER: '["accelerate", 1]' },
    problem:
      'SD_SCRIPTS_LAUNCHER must be a JSON array of strings or whitespace-separated words; got "[\\"accelerate\\", 1]"',
  },
  {
    name: 'HF_BASE_URL not a URL',
    sections: ['tagger'],
    env: { HF_BASE_URL: 'huggingface.co' },
    problem: 'HF_BASE_URL must be a full URL such as https://example.org; got "huggingface.co"',
  },
];

/** The rows of the `faults` block below, each a real `kiln` process. */
const FAULT_ROWS = 7;

const serviceEnv = () => ({
  ...discordEnv,
  DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/kiln_catalogue',
  REDIS_URL: 'redis://127.0.0.1:6379',
  DATA_DIR: p('data'),
  LOG_LEVEL: 'silent',
});

describe('the catalogue of bad inputs and faults', () => {
  it('has at least 60 rows', () => {
    expect(cli.length + config.length + FAULT_ROWS).toBeGreaterThanOrEqual(60);
  });

  describe('the config loader', () => {
    it.each(config)('$name', ({ sections, env, problem }) => {
      let problems: string[] = [];
      try {
        readConfig(sections, env);
      } catch (error) {
        expect(error).toBeInstanceOf(ConfigError);
        problems = (error as ConfigError).problems;
      }
      expect(problems).toContain(problem);
      expect(problems.join('\n')).not.toMatch(/Invalid input|Invalid option|NaN|expected |received /);
    });
  });

  describe('the CLI (one answer each, never a stack trace)', () => {
    it.each(cli)('$name', async (row) => {
      const answer = await runInProcess(row.args(), row.env?.() ?? {});
      const text = row.stdout ? answer.stdout : answer.stderr;
      const lines = text.split('\n');
      expect(
        lines.some((line) => line.startsWith(row.line())),
        `${answer.stdout}\n${answer.stderr}`,
      ).toBe(true);
      expect(answer.exitCode, answer.stderr).toBe(row.exitCode);
      expect(answer.stderr).not.toMatch(/\n\s+at |unexpected error/);
    });
  });

  describe('faults, each in a real kiln process', () => {
    it('kiln fetch --out /proc/x answers at once instead of hanging', async () => {
      const result = await spawnKiln(['fetch', '--tags', 'krystal', '--out', '/proc/kiln-x'], e621Env());
      expect(result.timedOut).toBe(false);
      expect(result.stderr).toBe(
        'kiln: Cannot create the output folder /proc/kiln-x (the path cannot be created there).',
      );
      expect(result.exitCode).toBe(1);
    });

    it('Ctrl-C during kiln fetch is one line and exit 130', async () => {
      const child = spawnKiln(['fetch', '--tags', 'krystal', '--out', p('interrupted')], {
        E621_BASE_URL: silentUrl,
        E621_USER: 'kiln_tester',
      });
      let stderr = '';
      let pressed = false;
      child.stderr?.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        if (stderr.includes('searching') && !pressed) {
          pressed = true;
          child.kill('SIGINT');
        }
      });
      const result = await child;
      expect(result.stderr).toContain(
        `kiln fetch: interrupted; what was stored stays in ${p('interrupted')}. Run the same command again to continue.`,
      );
      expect(result.stderr).not.toMatch(/\n\s+at |unexpected error/);
      expect(result.exitCode).toBe(130);
    });

    it('kiln fetch that fetched nothing exits non-zero, so `kiln fetch && kiln train` stops', async () => {
      const result = await spawnKiln(
        ['fetch', '--tags', 'krystal, solo', '--min-area', '0', '--min-score', '0', '--out', p('nothing')],
        {
          E621_BASE_URL: emptyE621.url,
          E621_USER: 'kiln_tester',
        },
      );
      const last = result.stderr.split('\n').at(-1) ?? '';
      expect(
        last.startsWith(`kiln: Nothing was fetched into ${p('nothing')}: 1 posts matched (skipped: 1 `),
        result.stderr,
      ).toBe(true);
      expect(
        last.endsWith('Loosen the query (--tags, --min-score, --min-area, --ratings) and run again.'),
      ).toBe(true);
      expect(result.exitCode).toBe(1);
    });

    it('a planted manifest.json cannot make kiln fetch delete a file outside --out', async () => {
      const result = await spawnKiln(['fetch', '--tags', 'krystal, solo', '--out', p('planted')], e621Env());
      expect(result.stderr).toContain(
        `names "../victim.png" (taken[0].file), which is not a file in ${p('planted')}`,
      );
      expect(result.exitCode).toBe(1);
      expect(await readFile(p('victim.png'), 'utf8')).toBe('must survive');
    });

    it('kiln fetch removes .part files a killed run left behind', async () => {
      const out = p('stale-parts');
      await mkdir(out);
      await writeFile(join(out, '100.png.0badf00d.part'), 'half an image');
      await writeFile(join(out, 'notes.part'), 'not ours: left alone');
      const result = await spawnKiln(
        [
          'fetch',
          '--tags',
          'krystal, solo',
          '--min-area',
          '0',
          '--min-score',
          '0',
          '--max-short-side',
          '256',
          '--out',
          out,
        ],
        e621Env(),
      );
      expect(result.exitCode, result.stderr).toBe(0);
      const names = await readdir(out);
      expect(names.filter((name) => name.endsWith('.part'))).toEqual(['notes.part']);
      expect(names).toContain('100.txt');
    });

    it('kiln bot with LINK_PORT in use is one line naming the port', async () => {
      const result = await spawnKiln(['bot'], {
        ...serviceEnv(),
        PUBLIC_URL: 'https://kiln.example.org/files',
        LINK_SECRET: 'a-secret-of-at-least-16',
        LINK_HOST: '0.0.0.0',
        LINK_PORT: String(busyPort),
      });
      expect(result.stderr).toBe(
        `kiln: LINK_PORT ${busyPort} is in use on 0.0.0.0: another program listens there. Stop it, or set LINK_PORT to a free port.`,
      );
      expect(result.exitCode).toBe(1);
    });

    it('kiln bot with a malformed BASE_MODELS_FILE is one line naming it', async () => {
      const result = await spawnKiln(['bot'], { ...serviceEnv(), BASE_MODELS_FILE: p('bad.json') });
      expect(result.stderr.split('\n')).toHaveLength(1);
      expect(result.stderr).toContain(
        `kiln: BASE_MODELS_FILE: The base-model list ${p('bad.json')} is not valid: `,
      );
      expect(result.exitCode).toBe(1);
    });
  });
});
