import { eq, inArray, sql } from 'drizzle-orm';
import { pruneVotes, projectCandidates } from '../src/db/schema/index.ts';
import { VOTE_CHOICES, type VoteChoice } from '../src/core/pruning/votes.ts';
import { customIds, type FakeMessage } from '../test/fakes/discord/index.ts';
import { startBotHarness } from '../test/helpers/bot-harness.ts';
import { given } from '../test/helpers/given.ts';

const FRIENDS = 30;
const IMAGES = 200;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

/**
 * 30 friends voting on 200 images as fast as they can through the Discord stand-in: acknowledgement
 * latency (dispatch to interaction callback), and that every vote is stored exactly once.
 */
export async function run(): Promise<void> {
  const h = await startBotHarness({ strictCommands: true });
  try {
    const owner = { id: '500000000000000000', username: 'owner' };
    const { project, thread } = await given.project(h, owner, 'benchmark_character', 'Benchmark');
    await given.images(h.database.db, h.dataDir, project.id, IMAGES, { width: 64, height: 96 });
    const posted = await h.discord.user(owner).slash('lora', { subcommand: 'prune', channelId: thread.id });
    await posted.waitForOriginal((m) => m.content.includes('Posted'), 120_000);

    const galleries = thread.messages.filter((m) => customIds(m).some((id) => id.startsWith('vote@1:')));
    const messageOf = new Map<number, FakeMessage>();
    for (const message of galleries) {
      for (const id of customIds(message)) {
        const match = /^vote@1:(\d+):keep$/.exec(id);
        if (match) messageOf.set(Number(match[1]), message);
      }
    }
    const candidateIds = [...messageOf.keys()];

    // Each friend's final choice per image; a third of the images get a changed mind (two clicks).
    const expected = new Map<string, VoteChoice>();
    const latencies: number[] = [];
    let sent = 0;
    const friend = async (index: number, pauseMs: number) => {
      // People do not click in lockstep: each friend starts a little apart from the others.
      if (pauseMs > 0) await new Promise((resolve) => setTimeout(resolve, (index * pauseMs) / FRIENDS));
      const user = { id: String(600000000000000000n + BigInt(index)), username: `friend${index}` };
      for (const [position, candidateId] of candidateIds.entries()) {
        const clicks = (position + index) % 3 === 0 ? 2 : 1;
        for (let click = 0; click < clicks; click++) {
          const choice = VOTE_CHOICES[(position * 7 + index * 3 + click) % VOTE_CHOICES.length]!;
          const result = await h.discord
            .user(user)
            .button(messageOf.get(candidateId)!, `vote@1:${candidateId}:${choice}`);
          latencies.push(result.latencyMs);
          if (pauseMs > 0) await new Promise((resolve) => setTimeout(resolve, pauseMs));
          sent += 1;
          expected.set(`${candidateId}:${user.id}`, choice);
        }
      }
    };
    const started = performance.now();
    await Promise.all(Array.from({ length: FRIENDS }, (_, index) => friend(index, 0)));
    const elapsed = (performance.now() - started) / 1000;
    const flatOutClicks = sent;
    const saturated = [...latencies].sort((a, b) => a - b);

    // The same friends at a human pace (one click every 400 ms each, about 75 clicks/s in all), on a
    // first slice of images, for comparison with the flat-out run.
    latencies.length = 0;
    // Let the tally edits of the flat-out run drain first, so the two runs do not overlap.
    await new Promise((resolve) => setTimeout(resolve, 3000));
    const humanStarted = performance.now();
    const firstImages = candidateIds.splice(0, candidateIds.length);
    candidateIds.push(...firstImages.slice(0, 20));
    await Promise.all(Array.from({ length: FRIENDS }, (_, index) => friend(index, 400)));
    const humanElapsed = (performance.now() - humanStarted) / 1000;
    const paced = [...latencies].sort((a, b) => a - b);
    candidateIds.splice(0, candidateIds.length, ...firstImages);

    // Votes are acknowledged before they are written; wait for the writes to land.
    const deadline = Date.now() + 60_000;
    let stored = 0;
    while (Date.now() < deadline) {
      const [row] = await h.database.db
        .select({ n: sql<number>`count(*)::int` })
        .from(pruneVotes)
        .innerJoin(projectCandidates, eq(projectCandidates.id, pruneVotes.candidateId))
        .where(eq(projectCandidates.projectId, project.id));
      stored = row?.n ?? 0;
      if (stored >= expected.size) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
    const rows = await h.database.db
      .select()
      .from(pruneVotes)
      .where(inArray(pruneVotes.candidateId, candidateIds));
    let mismatched = 0;
    for (const row of rows)
      if (expected.get(`${row.candidateId}:${row.userId}`) !== row.choice) mismatched += 1;
    const lost = expected.size - rows.length;
    const duplicated = rows.length - new Set(rows.map((row) => `${row.candidateId}:${row.userId}`)).size;

    const edits = h.discord.requests.filter(
      (r) => r.method === 'PATCH' && r.path.startsWith(`/channels/${thread.id}/messages/`),
    ).length;
    process.stdout.write(
      [
        `friends ${FRIENDS}, images ${candidateIds.length}, flat out: ${flatOutClicks} clicks in ${elapsed.toFixed(1)} s (${(flatOutClicks / elapsed).toFixed(0)} clicks/s); ${sent} clicks in all`,
        `ack latency flat out (dispatch → callback): p50 ${percentile(saturated, 50).toFixed(1)} ms, p99 ${percentile(saturated, 99).toFixed(1)} ms, max ${saturated.at(-1)?.toFixed(1)} ms (target p99 < 100 ms)`,
        `ack latency at a human pace (${paced.length} clicks in ${humanElapsed.toFixed(1)} s): p50 ${percentile(paced, 50).toFixed(1)} ms, p99 ${percentile(paced, 99).toFixed(1)} ms`,
        `(the Discord stand-in, the 30 simulated friends, the bot and Postgres share this machine's 2 cores)`,
        `votes expected ${expected.size} (one per friend and image), stored ${rows.length}: lost ${lost}, duplicated ${duplicated}, wrong choice ${mismatched}`,
        `message edits ${edits} for ${sent} clicks (batched: ${(sent / Math.max(1, edits)).toFixed(1)} clicks per edit)`,
        `tallies exact: ${lost === 0 && duplicated === 0 && mismatched === 0 ? 'yes' : 'NO'}`,
      ].join('\n') + '\n',
    );
  } finally {
    await h.close();
  }
}
