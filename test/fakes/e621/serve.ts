import { startFakeE621, type FakeE621, type FakeE621Options } from './server.ts';

/**
 * Runs the fake e621 in its own process, so a benchmark's numbers are not mixed with the server's own
 * work (the real e621 is another machine), and so `kiln fetch` can be pointed at it by hand:
 *
 *   npx tsx test/fakes/e621/serve.ts --posts 50 --size 800-1600
 *   E621_BASE_URL=<printed url> E621_USER=me npx tsx src/cli/main.ts fetch --tags "krystal, solo" --out /tmp/ds
 *
 * Under a parent process (fork with IPC) it takes `{ type: 'start', options }`, answers
 * `{ type: 'ready', url, files }` once every picture exists, and stops on `{ type: 'close' }`.
 */

export interface ServeStart {
  type: 'start';
  options: FakeE621Options;
}

export interface ServeReady {
  type: 'ready';
  url: string;
  files: { id: number; ext: string; path: string; size: number }[];
}

async function ready(fake: FakeE621): Promise<ServeReady> {
  await fake.prepareFiles();
  const files = await Promise.all(
    fake.posts.map(async (post) => {
      const file = await fake.fileOf(post.id);
      return { id: post.id, ext: post.ext, path: file.path, size: file.size };
    }),
  );
  return { type: 'ready', url: fake.url, files };
}

if (process.send) {
  let fake: FakeE621 | null = null;
  process.on('message', (message: ServeStart | { type: 'close' }) => {
    if (message.type === 'start') {
      void startFakeE621(message.options)
        .then(async (started) => {
          fake = started;
          process.send?.(await ready(started));
        })
        .catch((error: unknown) => {
          process.stderr.write(`fake e621: ${String(error)}\n`);
          process.exit(1);
        });
    } else {
      void (fake?.close() ?? Promise.resolve()).then(() => process.exit(0));
    }
  });
} else {
  const arg = (name: string): string | undefined => {
    const index = process.argv.indexOf(`--${name}`);
    return index >= 0 ? process.argv[index + 1] : undefined;
  };
  const [min, max] = (arg('size') ?? '2000-4000').split('-').map(Number);
  const fake = await startFakeE621({
    posts: Number(arg('posts') ?? '50'),
    imageSize: { min: min ?? 2000, max: max ?? min ?? 4000 },
  });
  process.stdout.write(
    `fake e621 at ${fake.url} (user kiln_tester, API key test-api-key); Ctrl-C stops it\n`,
  );
  process.on('SIGINT', () => void fake.close().then(() => process.exit(0)));
}
