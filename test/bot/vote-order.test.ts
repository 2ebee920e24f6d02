import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadImageStates } from '../../src/db/repositories/pruning.ts';
import { getProject } from '../../src/db/repositories/projects.ts';
import { VOTE_NOT_SAVED } from '../../src/bot/vote-write.ts';
import { customIds, type FakeChannel } from '../fakes/discord/index.ts';
import { startBotHarness, type BotHarness } from '../helpers/bot-harness.ts';
import { eventually } from '../helpers/eventually.ts';
import { given } from '../helpers/given.ts';

const alice = { id: '400000000000000101', username: 'alice' };
const bob = { id: '400000000000000102', username: 'bob' };

describe('a vote is acknowledged silently, written, then shown; a failed write is said', () => {
  let h: BotHarness;
  let thread: FakeChannel;
  let projectId: number;
  let candidateId: number;
  const galleryWith = () => thread.messages.find((m) => customIds(m).includes(`vote@1:${candidateId}:keep`))!;
  const tally = async () => {
    const project = (await getProject(h.database.db, projectId))!;
    return (await loadImageStates(h.database.db, project, [candidateId]))[0]!.tally.keep;
  };

  beforeAll(async () => {
    h = await startBotHarness();
    let project;
    ({ project, thread } = await given.project(h, alice));
    projectId = project.id;
    candidateId = (await given.images(h.database.db, h.dataDir, projectId, 2))[0]!.candidateId;
    await (
      await h.discord.user(alice).slash('lora', { subcommand: 'prune', channelId: thread.id })
    ).waitForOriginal((m) => m.content.includes('Posted'));
  });
  afterAll(async () => {
    await h?.close();
  });

  it('tells the voter privately when the database refused the vote, and counts it once it is written', async () => {
    await h.database.db.execute(sql`
      create function refuse_vote() returns trigger language plpgsql as $$
      begin raise exception 'disk full (test)'; end $$;
      create trigger refuse_vote before insert or update on prune_votes
      for each row execute function refuse_vote()`);
    const refused = await h.discord.user(bob).button(galleryWith(), `vote@1:${candidateId}:keep`);
    expect(refused.callback.type).toBe(6);
    const notice = await refused.waitForFollowUp((m) => m.content.length > 0);
    expect(notice.flags & 64).toBe(64);
    expect(notice.content).toBe(`${VOTE_NOT_SAVED}\n-# service-unavailable`);
    expect(await tally()).toBe(0);

    await h.database.db.execute(sql`drop trigger refuse_vote on prune_votes`);
    const counted = await h.discord.user(bob).button(galleryWith(), `vote@1:${candidateId}:keep`);
    expect(counted.callback.type).toBe(6);
    await eventually(async () => expect(await tally()).toBe(1));
    expect(counted.followUps()).toEqual([]);
  });
});
