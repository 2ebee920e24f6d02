import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setEditorRole } from '../../src/db/repositories/projects.ts';
import { crops } from '../../src/db/schema/index.ts';
import { createEditorLinkSigner } from '../../src/delivery/editor-links.ts';
import { createLinkSigner } from '../../src/delivery/links.ts';
import { buttons, MessageFlag, textOf, type FakeChannel } from '../fakes/discord/index.ts';
import { startBotHarness, type BotHarness } from '../helpers/bot-harness.ts';
import { boardOf, cropEditorLink, grantOf, seedTaggedImages } from '../helpers/editor.ts';
import { eventually } from '../helpers/eventually.ts';
import { given } from '../helpers/given.ts';

const SECRET = 'web-editor-secret-0123456789';
const EDITOR_ROLE = '300000000000000077';
const alice = { id: '400000000000000011', username: 'alice' };
const bob = { id: '400000000000000012', username: 'bob' };
const carol = { id: '400000000000000013', username: 'carol', roles: [EDITOR_ROLE] };
const dave = { id: '400000000000000014', username: 'dave' };

describe('the web editor server', () => {
  let h: BotHarness;
  let thread: FakeChannel;
  let projectId: number;
  let otherProjectId: number;
  let images: Array<{ candidateId: number; postId: number; rank: number }>;
  let otherImages: Array<{ candidateId: number }>;
  let base: string;
  let link: string;

  const api = (path: string, init: RequestInit & { grant?: string } = {}) =>
    fetch(`${base}/edit/${path}`, {
      ...init,
      headers: {
        ...(init.grant === undefined ? {} : { 'x-kiln-link': init.grant }),
        ...(init.method === 'POST' ? { origin: base, 'content-type': 'application/json' } : {}),
        ...(init.headers as Record<string, string> | undefined),
      },
    });
  const post = (path: string, grant: string, body: unknown, headers: Record<string, string> = {}) =>
    api(path, { method: 'POST', grant, body: JSON.stringify(body), headers });

  beforeAll(async () => {
    h = await startBotHarness({}, { webEditorSecret: SECRET });
    base = h.linkServer!.url;
    ({ thread } = await given.project(h, alice));
    const { project: other } = await given.project(h, dave, 'fox_mccloud', 'Fox');
    const { findProjectByThread } = await import('../../src/db/repositories/projects.ts');
    projectId = (await findProjectByThread(h.database.db, thread.id))!.id;
    otherProjectId = other.id;
    images = await given.images(h.database.db, h.dataDir, projectId, 3);
    otherImages = await given.images(h.database.db, h.dataDir, otherProjectId, 1);
    await h.discord.user(alice).slash('lora', { subcommand: 'prune', channelId: thread.id });
    await eventually(() => expect(thread.messages.some((m) => textOf(m).includes('Pruning'))).toBe(true));
    link = await cropEditorLink(h, alice, thread, projectId);
  });
  afterAll(async () => {
    await h?.close();
  });

  it('answers Crop in browser with a private link that opens the page and its data', async () => {
    expect(link.startsWith(`${base}/edit/crops?`)).toBe(true);
    const page = await fetch(link);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(page.headers.get('referrer-policy')).toBe('no-referrer');
    const data = await api('api/crops', { grant: grantOf(link) });
    expect(data.status).toBe(200);
    const body = (await data.json()) as { images: Array<{ candidateId: number; width: number }> };
    expect(body.images.map((i) => i.candidateId)).toEqual(images.map((i) => i.candidateId));
    expect(body.images[0]!.width).toBe(600);
    const image = await fetch(`${base}/edit/image/${images[0]!.candidateId}?${grantOf(link)}`);
    expect(image.status).toBe(200);
    expect(image.headers.get('content-type')).toBe('image/jpeg');
  });

  it('refuses a forged, expired, other-user and other-project link', async () => {
    const grant = new URLSearchParams(grantOf(link));
    const forged = new URLSearchParams(grant);
    forged.set('s', `${grant.get('s')!.slice(0, -2)}AA`);
    expect((await api('api/crops', { grant: forged.toString() })).status).toBe(403);
    const retargeted = new URLSearchParams(grant);
    retargeted.set('p', String(otherProjectId));
    expect((await api('api/crops', { grant: retargeted.toString() })).status).toBe(403);
    const asBob = new URLSearchParams(grant);
    asBob.set('u', bob.id);
    expect((await api('api/crops', { grant: asBob.toString() })).status).toBe(403);

    const signer = createEditorLinkSigner({ publicUrl: base, secret: SECRET, ttlSeconds: 60 });
    const expired = signer.sign('crops', projectId, alice.id, new Date(Date.now() - 3600_000));
    expect((await fetch(expired.url)).status).toBe(410);
    // Bob's own, validly signed link: he is no editor of Alice's project.
    h.discord.user(bob);
    const bobs = signer.sign('crops', projectId, bob.id);
    expect((await fetch(bobs.url)).status).toBe(403);
    // Alice's link for her project opens nothing of Dave's.
    expect((await fetch(`${base}/edit/image/${otherImages[0]!.candidateId}?${grantOf(link)}`)).status).toBe(
      404,
    );
    // A download link's signature is no editor link.
    const download = new URL(createLinkSigner({ publicUrl: base, secret: SECRET }).sign('crops').url);
    const asEditor = new URLSearchParams({
      p: String(projectId),
      u: alice.id,
      e: download.searchParams.get('expires')!,
      s: download.searchParams.get('sig')!,
    });
    expect((await fetch(`${base}/edit/crops?${asEditor.toString()}`)).status).toBe(403);
  });

  it('gives the link to editors only, privately, and asks Discord on every request', async () => {
    const refused = await h.discord.user(bob).button(boardOf(thread), `board@1:${projectId}:web:0`);
    const answer = await refused.waitForOriginal((m) => m.content.length > 0 || textOf(m).length > 0, 20_000);
    expect(textOf(answer)).toContain('can edit crops in the browser');
    expect(buttons(answer).some((b) => b.url !== null)).toBe(false);
    const granted = await h.discord.user(alice).button(boardOf(thread), `board@1:${projectId}:web:0`);
    const mine = await granted.waitForOriginal((m) => buttons(m).some((b) => b.url !== null), 20_000);
    expect(mine.flags & MessageFlag.Ephemeral).not.toBe(0);

    const lookups = () =>
      h.discord.requests.filter((r) => r.method === 'GET' && r.path.endsWith(`/members/${alice.id}`)).length;
    const before = lookups();
    for (let i = 0; i < 3; i++) expect((await api('api/crops', { grant: grantOf(link) })).status).toBe(200);
    expect(lookups() - before).toBe(3);
  });

  it('re-checks the permission on every request: a removed editor role or a kicked member stops the link', async () => {
    await setEditorRole(h.database.db, h.discord.guildId, EDITOR_ROLE);
    const member = { ...carol, roles: [...carol.roles] };
    h.discord.user(member);
    const carolsLink = createEditorLinkSigner({ publicUrl: base, secret: SECRET }).sign(
      'crops',
      projectId,
      carol.id,
    );
    expect((await api('api/crops', { grant: grantOf(carolsLink.url) })).status).toBe(200);
    member.roles.length = 0; // the role was taken away
    expect((await api('api/crops', { grant: grantOf(carolsLink.url) })).status).toBe(403);

    const davesLink = createEditorLinkSigner({ publicUrl: base, secret: SECRET }).sign(
      'crops',
      otherProjectId,
      dave.id,
    );
    expect((await api('api/crops', { grant: grantOf(davesLink.url) })).status).toBe(200);
    h.discord.removeMember(dave.id); // kicked: even the owner's link stops
    expect((await api('api/crops', { grant: grantOf(davesLink.url) })).status).toBe(403);
  });

  it('saves a crop as the Discord Save does, tells the thread, and answers a stale save with 409', async () => {
    const grant = grantOf(link);
    const opened = await post(`api/images/${images[1]!.candidateId}/crops`, grant, { kind: 'headshot' });
    expect(opened.status).toBe(200);
    const { crop } = (await opened.json()) as { crop: { id: number; box: null; confirmed: boolean } };
    const box = { left: 100, top: 50, width: 300, height: 300 };
    const saved = await post(`api/crops/${crop.id}`, grant, { box, base: { box: null, confirmed: false } });
    expect(saved.status).toBe(200);
    const [row] = await h.database.db.select().from(crops).where(eq(crops.id, crop.id));
    expect(row).toMatchObject({ box, confirmed: true, kind: 'headshot' });
    await eventually(() =>
      expect(thread.messages.some((m) => textOf(m).includes('Saved the headshot crop: 100,50 300×300'))).toBe(
        true,
      ),
    );

    // A second editor still looking at the old (empty) crop: nothing is overwritten, both boxes come back.
    const other = { left: 0, top: 0, width: 200, height: 200 };
    const stale = await post(`api/crops/${crop.id}`, grant, {
      box: other,
      base: { box: null, confirmed: false },
    });
    expect(stale.status).toBe(409);
    expect(await stale.json()).toMatchObject({ current: { box, confirmed: true }, yours: other });
    const [unchanged] = await h.database.db.select().from(crops).where(eq(crops.id, crop.id));
    expect(unchanged!.box).toEqual(box);
    // Choosing "save mine over it" sends the version now stored.
    const mine = await post(`api/crops/${crop.id}`, grant, { box: other, base: { box, confirmed: true } });
    expect(mine.status).toBe(200);
  });

  it('edits tags on the selection only within the project, never the main tag', async () => {
    const grant = grantOf(link);
    const { listTaggedImages } = await import('../../src/db/repositories/tagging.ts');
    await seedTaggedImages(h, projectId, images, () => ['smile']);
    const tagged = await listTaggedImages(h.database.db, projectId);
    const ids = tagged.map((row) => row.id);
    const data = await api('api/tags', { grant });
    expect(data.status).toBe(200);
    expect(((await data.json()) as { images: unknown[] }).images).toHaveLength(3);
    const replaced = await post('api/tags', grant, {
      imageIds: ids.slice(0, 2),
      action: 'replace',
      tag: 'smile',
      with: 'grin',
    });
    expect(replaced.status).toBe(200);
    const after = (await replaced.json()) as {
      images: Array<{ id: number; tags: string[]; caption: string }>;
    };
    expect(after.images.map((image) => image.tags)).toEqual([['grin'], ['grin'], ['smile']]);
    expect(after.images[0]!.caption).toBe('krystal, grin');
    expect((await post('api/tags', grant, { imageIds: ids, action: 'add', tag: 'Krystal' })).status).toBe(
      400,
    );
    expect(
      (await post('api/tags', grant, { imageIds: [ids[0]! + 1000], action: 'add', tag: 'x' })).status,
    ).toBe(404);
    expect((await post('api/tags', grant, { imageIds: ids, action: 'rename', tag: 'x' })).status).toBe(400);
    expect((await fetch(`${base}/edit/thumb/${ids[0]}?${grant}`)).status).toBe(200);
  });

  it('refuses cross-origin writes, big bodies, other methods and other paths', async () => {
    const grant = grantOf(link);
    const url = `api/images/${images[2]!.candidateId}/crops`;
    expect((await post(url, grant, { kind: 'split' }, { origin: 'https://evil.example' })).status).toBe(403);
    const noOrigin = await fetch(`${base}/edit/${url}`, {
      method: 'POST',
      headers: { 'x-kiln-link': grant, 'content-type': 'application/json' },
      body: '{"kind":"split"}',
    });
    expect(noOrigin.status).toBe(403);
    // The grant in the query is not enough for a write: it must come in the header.
    expect((await post(`${url}?${grant}`, '', { kind: 'split' })).status).toBe(403);
    expect((await post(url, grant, { kind: 'split', pad: 'x'.repeat(10_000) })).status).toBe(413);
    expect((await post(url, grant, 'x', { 'content-type': 'text/plain' })).status).toBe(415);
    expect((await api('api/crops', { method: 'PUT', grant })).status).toBe(405);
    expect((await api(`image/..%2f..%2fetc%2fpasswd?${grant}`)).status).toBe(404);
    expect((await api(`static/../editor-server.ts`)).status).toBe(404);
    expect((await api('nothing-here')).status).toBe(404);
    expect((await fetch(`${base}/files/x`)).status).toBe(403);
  });
});
