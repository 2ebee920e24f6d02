import { describe, expect, it } from 'vitest';
import { createEditorLinkSigner, verifyEditorGrant } from '../../src/delivery/editor-links.ts';
import { createLinkSigner, verifyLink } from '../../src/delivery/links.ts';

const secret = 'editor-secret-0123456789';
const signer = createEditorLinkSigner({ publicUrl: 'https://kiln.example/kiln', secret, ttlSeconds: 3600 });
const now = new Date('2026-12-01T12:00:00Z');

function grantOf(url: string): URLSearchParams {
  return new URL(url).searchParams;
}

describe('editor links', () => {
  it('signs a link for one user and one project that verifies until it expires', () => {
    const link = signer.sign('crops', 7, '400000000000000011', now);
    expect(link.url).toMatch(
      /^https:\/\/kiln\.example\/kiln\/edit\/crops\?p=7&u=400000000000000011&e=\d+&s=/,
    );
    const check = verifyEditorGrant(secret, grantOf(link.url), now);
    expect(check).toEqual({
      ok: true,
      grant: { projectId: 7, userId: '400000000000000011', expires: Math.floor(now.getTime() / 1000) + 3600 },
    });
    expect(verifyEditorGrant(secret, grantOf(link.url), new Date(now.getTime() + 3601_000))).toMatchObject({
      ok: false,
      status: 410,
    });
  });

  it('refuses a link whose user, project or expiry was changed, or signed with another secret', () => {
    const query = grantOf(signer.sign('crops', 7, '400000000000000011', now).url);
    for (const [key, value] of [
      ['u', '400000000000000012'],
      ['p', '8'],
      ['e', String(Number(query.get('e')) + 3600)],
    ] as const) {
      const forged = new URLSearchParams(query);
      forged.set(key, value);
      expect(verifyEditorGrant(secret, forged, now)).toMatchObject({ ok: false, status: 403 });
    }
    expect(verifyEditorGrant('another-secret-0123456789', query, now)).toMatchObject({
      ok: false,
      status: 403,
    });
    expect(verifyEditorGrant(secret, new URLSearchParams(), now)).toMatchObject({ ok: false, status: 403 });
  });

  it('keeps download and editor signatures apart', () => {
    const downloads = createLinkSigner({ publicUrl: 'https://kiln.example', secret });
    const download = new URL(downloads.sign('7', { now }).url);
    const expires = download.searchParams.get('expires')!;
    // A download signature presented as an editor grant…
    const asGrant = new URLSearchParams({ p: '7', u: '7', e: expires, s: download.searchParams.get('sig')! });
    expect(verifyEditorGrant(secret, asGrant, now)).toMatchObject({ ok: false, status: 403 });
    // …and an editor signature presented as a download link.
    const editor = grantOf(signer.sign('crops', 7, '7', now).url);
    const asDownload = new URLSearchParams({ expires: editor.get('e')!, sig: editor.get('s')! });
    expect(verifyLink(secret, '7', asDownload, now)).toMatchObject({ ok: false, status: 403 });
  });
});
