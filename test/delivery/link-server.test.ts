import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLinkServer, type LinkServer } from '../../src/delivery/link-server.ts';
import { createLinkSigner, isSafeRelativePath, verifyLink } from '../../src/delivery/links.ts';

const SECRET = 'a-secret-of-at-least-16-chars';

describe('signed download links', () => {
  let dir: string;
  let root: string;
  let server: LinkServer;
  const signer = () => createLinkSigner({ publicUrl: `${server.url}/`, secret: SECRET, ttlSeconds: 60 });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kiln-links-'));
    root = join(dir, 'models');
    await mkdir(join(root, 'lora', '7'), { recursive: true });
    await writeFile(join(root, 'lora', '7', 'krystal-yiffymix.safetensors'), Buffer.alloc(3000, 7));
    await writeFile(join(dir, 'secret.txt'), 'outside the served folder');
    await symlink(join(dir, 'secret.txt'), join(root, 'lora', '7', 'escape.txt'));
    server = await startLinkServer({ root, secret: SECRET, port: 0, host: '127.0.0.1' });
  });
  afterAll(async () => {
    await server?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('serves the signed file as a download until the link expires', async () => {
    const { url, expiresAt } = signer().sign('lora/7/krystal-yiffymix.safetensors');
    expect(expiresAt.getTime()).toBeGreaterThan(Date.now());
    const response = await fetch(url);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-disposition')).toBe(
      `attachment; filename="krystal-yiffymix.safetensors"; filename*=UTF-8''krystal-yiffymix.safetensors`,
    );
    expect(Buffer.from(await response.arrayBuffer())).toEqual(Buffer.alloc(3000, 7));
    const head = await fetch(url, { method: 'HEAD' });
    expect([head.status, head.headers.get('content-length')]).toEqual([200, '3000']);

    const old = signer().sign('lora/7/krystal-yiffymix.safetensors', { now: new Date(Date.now() - 120_000) });
    expect((await fetch(old.url)).status).toBe(410);
  });

  it('refuses a tampered signature, another file with the same signature, and other methods', async () => {
    const { url } = signer().sign('lora/7/krystal-yiffymix.safetensors');
    const forged = new URL(url);
    forged.searchParams.set(
      'sig',
      forged.searchParams.get('sig')!.replace(/^./, (c) => (c === 'A' ? 'B' : 'A')),
    );
    expect((await fetch(forged)).status).toBe(403);
    const otherFile = new URL(url);
    otherFile.pathname = otherFile.pathname.replace('krystal-yiffymix', 'other');
    expect((await fetch(otherFile)).status).toBe(403);
    const unsigned = new URL(url);
    unsigned.search = '';
    expect((await fetch(unsigned)).status).toBe(403);
    expect((await fetch(url, { method: 'POST' })).status).toBe(405);
    expect((await fetch(`${server.url}/other`)).status).toBe(404);
  });

  it('saves a download under any safe name (parentheses, spaces, non-ASCII), signed with the link', async () => {
    await mkdir(join(root, 'exports', '3-1'), { recursive: true });
    await writeFile(join(root, 'exports', '3-1', 'dataset.zip'), 'zip bytes');
    for (const name of ['aurelia_(skyfall)-dataset.zip', 'Café "noir" ü.zip']) {
      const { url } = signer().sign('exports/3-1/dataset.zip', { downloadName: name });
      const response = await fetch(url);
      expect(response.status).toBe(200);
      expect(await response.text()).toBe('zip bytes');
      const disposition = response.headers.get('content-disposition')!;
      // RFC 5987: the exact name, UTF-8 percent-encoded; an ASCII fallback for old clients.
      const encoded = /filename\*=UTF-8''(\S+)$/.exec(disposition)![1]!;
      expect(decodeURIComponent(encoded)).toBe(name);
      expect(disposition).toMatch(/^attachment; filename="[\x20-\x7e]+"; /);
      // The name is part of what is signed.
      const renamed = new URL(url);
      renamed.searchParams.set('name', 'other.zip');
      expect((await fetch(renamed)).status).toBe(403);
    }
    expect(
      signer().sign('exports/3-1/dataset.zip', { downloadName: 'aurelia_(skyfall)-dataset.zip' }).url,
    ).toContain('name=aurelia_%28skyfall%29-dataset.zip');
    expect(() => signer().sign('exports/3-1/dataset.zip', { downloadName: '../x.zip' })).toThrow();
    expect(() => signer().sign('exports/3-1/dataset.zip', { downloadName: '.hidden' })).toThrow();
  });

  it('never leaves the served folder, even with a valid signature', async () => {
    expect(isSafeRelativePath('../secret.txt')).toBe(false);
    expect(isSafeRelativePath('lora/../../secret.txt')).toBe(false);
    expect(isSafeRelativePath('.hidden')).toBe(false);
    expect(() => signer().sign('../secret.txt')).toThrow('will not sign');
    const traversal = await fetch(`${server.url}/files/..%2Fsecret.txt?expires=9999999999&sig=x`);
    expect(traversal.status).toBe(400);
    // A symlink inside the folder that points out of it is not served.
    expect((await fetch(signer().sign('lora/7/escape.txt').url)).status).toBe(404);
    expect((await fetch(signer().sign('lora/7/missing.safetensors').url)).status).toBe(404);
  });

  it('serves under the path of PUBLIC_URL when a reverse proxy passes it through', async () => {
    const behindProxy = await startLinkServer({
      root,
      secret: SECRET,
      port: 0,
      host: '127.0.0.1',
      basePath: '/kiln/',
    });
    try {
      const proxied = createLinkSigner({ publicUrl: `${behindProxy.url}/kiln`, secret: SECRET });
      const { url } = proxied.sign('lora/7/krystal-yiffymix.safetensors');
      expect(new URL(url).pathname).toBe('/kiln/files/lora/7/krystal-yiffymix.safetensors');
      expect((await fetch(url)).status).toBe(200);
    } finally {
      await behindProxy.close();
    }
  });

  it('checks the expiry against the clock it is given', () => {
    const now = new Date('2030-01-01T00:00:00Z');
    const { url } = createLinkSigner({
      publicUrl: 'https://kiln.example/dl',
      secret: SECRET,
      ttlSeconds: 10,
    }).sign('exports/1/a.zip', { now });
    expect(url.startsWith('https://kiln.example/dl/files/exports/1/a.zip?expires=')).toBe(true);
    const query = new URL(url).searchParams;
    expect(verifyLink(SECRET, 'exports/1/a.zip', query, new Date(now.getTime() + 9_000))).toEqual({
      ok: true,
      path: 'exports/1/a.zip',
      downloadName: null,
    });
    expect(verifyLink(SECRET, 'exports/1/a.zip', query, new Date(now.getTime() + 11_000))).toMatchObject({
      ok: false,
      status: 410,
    });
    expect(verifyLink('another-secret-value!', 'exports/1/a.zip', query, now)).toMatchObject({ status: 403 });
  });
});
