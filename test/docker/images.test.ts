import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '../..');
const read = (file: string) => readFile(join(ROOT, file), 'utf8');

/** The instructions of a Dockerfile as [keyword, arguments], continuation lines joined. */
function instructions(text: string): Array<[string, string]> {
  return text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const [keyword = '', ...rest] = line.split(/\s+/);
      return [keyword.toUpperCase(), rest.join(' ')];
    });
}

function nodeMajor(dockerfile: string): number {
  const from = /^FROM node:(\d+)/m.exec(dockerfile)?.[1] ?? /ARG NODE_VERSION=(\d+)/.exec(dockerfile)?.[1];
  return Number(from);
}

describe('the images', () => {
  it.each(['Dockerfile', 'Dockerfile.gpu'])(
    '%s runs a maintained Node as a non-root user with a healthcheck',
    async (file) => {
      const text = await read(file);
      expect(nodeMajor(text)).toBeGreaterThanOrEqual(22);
      const steps = instructions(text);
      const users = steps.filter(([keyword]) => keyword === 'USER').map(([, user]) => user);
      expect(users.length).toBeGreaterThan(0);
      expect(users.at(-1)).not.toMatch(/^(root|0)(:|$)/);
      const lastUser = steps.findLastIndex(([keyword]) => keyword === 'USER');
      const entrypoint = steps.findIndex(([keyword]) => keyword === 'ENTRYPOINT');
      expect(lastUser).toBeLessThan(entrypoint);
      expect(steps.some(([keyword, args]) => keyword === 'HEALTHCHECK' && args.includes('healthcheck'))).toBe(
        true,
      );
    },
  );

  it('pins sd-scripts to the commit the option table describes, and torch, torchvision and xformers exactly', async () => {
    const gpu = await read('Dockerfile.gpu');
    const options = await read('test/fixtures/sd-scripts/options.tsv');
    const described = /\b([0-9a-f]{40})\b/.exec(options)?.[1];
    expect(described).toBeDefined();
    expect(/ARG SD_SCRIPTS_COMMIT=([0-9a-f]{40})/.exec(gpu)?.[1]).toBe(described);
    expect(gpu).not.toMatch(/git clone[^\n]*sd-scripts/);
    for (const pkg of ['torch', 'torchvision', 'xformers']) {
      expect(gpu, pkg).toMatch(new RegExp(`\\b${pkg}==\\d+\\.\\d+\\.\\d+(\\.post\\d+)?\\b`));
    }
  });

  it('gives the bot and both workers a compose healthcheck', async () => {
    const compose = parseYaml(await read('docker-compose.yml')) as {
      services: Record<string, { healthcheck?: { test?: string[] } }>;
    };
    for (const service of ['bot', 'worker', 'gpu-worker']) {
      expect(compose.services[service]?.healthcheck?.test, service).toEqual([
        'CMD',
        'node',
        'bin/kiln.js',
        'healthcheck',
      ]);
    }
  });
});
