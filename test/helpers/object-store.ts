import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { S3Store, type S3StoreOptions } from '../../src/storage/s3-store.ts';

/**
 * The S3 stand-in for tests: moto's standalone server (PyPI `moto[server]`). KILN_TEST_S3_ENDPOINT names one
 * already running (.ci/run starts it); otherwise one is started from MOTO_SERVER (the path of its `moto_server`
 * script). Neither: tests that need it are skipped with the reason printed. The client
 * code knows nothing of moto; only this helper does.
 */

export interface S3StandIn {
  endpoint: string;
  /** A fresh bucket and a store on it. */
  freshStore(overrides?: Partial<S3StoreOptions>): Promise<{ store: S3Store; options: S3StoreOptions }>;
  stop(): Promise<void>;
}

export const TEST_S3_CREDENTIALS = { accessKeyId: 'kiln-test-key', secretAccessKey: 'kiln-test-secret' };

/** The moto_server to start, or the reason there is none. */
function motoServerCommand(): { command: string } | { missing: string } {
  // Only the one named: a moto found on PATH may be another version than the one .ci/run pins.
  const command = process.env.MOTO_SERVER;
  if (command) return { command };
  return { missing: "no S3 stand-in: set MOTO_SERVER to moto_server's path (pip install 'moto[server]')" };
}

/** Why no S3 stand-in can be had, or null when one can. */
export function s3StandInMissing(options: { requireAuth?: boolean } = {}): string | null {
  if (process.env.KILN_TEST_S3_ENDPOINT && !options.requireAuth) return null;
  const found = motoServerCommand();
  return 'missing' in found ? found.missing : null;
}

async function freePort(): Promise<number> {
  return await new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Starts a moto server on a free port. `requireAuth`: every request must carry credentials moto knows
 * (none are known, so any key is refused), the way a real store answers a wrong key.
 */
export async function startS3StandIn(options: { requireAuth?: boolean } = {}): Promise<S3StandIn> {
  const running = process.env.KILN_TEST_S3_ENDPOINT;
  if (running && !options.requireAuth) return standInAt(running, () => Promise.resolve());
  const found = motoServerCommand();
  if ('missing' in found) throw new Error(found.missing);
  const port = await freePort();
  const child: ChildProcess = spawn(found.command, ['-H', '127.0.0.1', '-p', String(port)], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, ...(options.requireAuth ? { INITIAL_NO_AUTH_ACTION_COUNT: '0' } : {}) },
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2000)));
  const endpoint = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`moto_server exited (${child.exitCode}): ${stderr}`);
    try {
      await fetch(`${endpoint}/moto-api/`);
      break;
    } catch {
      if (Date.now() > deadline) throw new Error(`moto_server did not answer on ${endpoint}: ${stderr}`);
      await new Promise((done) => setTimeout(done, 150));
    }
  }
  return standInAt(endpoint, async () => {
    if (child.exitCode !== null) return;
    const exited = new Promise((done) => child.once('exit', done));
    child.kill('SIGTERM');
    await exited;
  });
}

function standInAt(endpoint: string, stop: () => Promise<void>): S3StandIn {
  const base = { region: 'us-east-1', endpoint, forcePathStyle: true, ...TEST_S3_CREDENTIALS };
  return {
    endpoint,
    async freshStore(overrides = {}) {
      const bucket = `kiln-test-${randomBytes(5).toString('hex')}`;
      const admin = new S3Client({
        region: base.region,
        endpoint,
        forcePathStyle: true,
        credentials: TEST_S3_CREDENTIALS,
      });
      await admin.send(new CreateBucketCommand({ Bucket: bucket }));
      admin.destroy();
      const storeOptions: S3StoreOptions = { ...base, bucket, ...overrides };
      return { store: new S3Store(storeOptions), options: storeOptions };
    },
    stop,
  };
}
