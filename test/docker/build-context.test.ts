import { readFile, readdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '../..');
interface IgnoreRules {
  add(rules: string): IgnoreRules;
  ignores(path: string): boolean;
}
type DockerIgnore = (options: { ignorecase: boolean }) => IgnoreRules;
// A CommonJS module whose typings declare an ES default export: load it the way Node does.
const dockerignore = createRequire(import.meta.url)('@balena/dockerignore') as DockerIgnore;

/** Docker's own rules for what `COPY . .` sends, read from the repository's .dockerignore. */
async function contextFilter(): Promise<(path: string) => boolean> {
  const rules = dockerignore({ ignorecase: false }).add(await readFile(join(ROOT, '.dockerignore'), 'utf8'));
  return (path) => !rules.ignores(path);
}

/** Every file under the checkout as it sits on disk (node_modules and .git included), relative to it. */
async function filesOnDisk(dir = ROOT): Promise<string[]> {
  const files: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) files.push(...(await filesOnDisk(path)));
    else files.push(relative(ROOT, path));
  }
  return files;
}

describe('the Docker build context', () => {
  it('keeps secrets, data, history and host dependencies out of the image', async () => {
    const sent = await contextFilter();
    // What a user's folder holds beside the sources: a filled-in .env, the data folder, a host install.
    const hostFiles = [
      '.env',
      '.env.local',
      'data/images/ab/abcdef.jpg',
      'data/models/wd/model.onnx',
      'node_modules/sharp/build/Release/sharp-darwin-arm64.node',
      'node_modules/onnxruntime-node/bin/napi-v6/win32/x64/onnxruntime.dll',
      'src/web/node_modules/left-pad/index.js',
      '.git/HEAD',
      '.git/objects/pack/pack-1.pack',
    ];
    expect(hostFiles.filter(sent)).toEqual([]);

    const onDisk = await filesOnDisk();
    const leaked = onDisk
      .filter(sent)
      .filter((path) => /(^|\/)(node_modules|\.git|data)\/|^\.env$/.test(path));
    expect(leaked).toEqual([]);
  });

  it('still sends everything the image runs', async () => {
    const sent = await contextFilter();
    const needed = ['package.json', 'package-lock.json', 'bin/kiln.js', 'src/cli/main.ts', 'tsconfig.json'];
    const migrations = (await readdir(join(ROOT, 'drizzle'))).map((name) => `drizzle/${name}`);
    expect([...needed, ...migrations].filter((path) => !sent(path))).toEqual([]);
  });
});
