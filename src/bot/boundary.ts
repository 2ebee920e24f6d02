import { DiscordAPIError, MessageFlags, type Interaction, type RepliableInteraction } from 'discord.js';
import { isUserError } from '../core/errors.ts';
import type { Logger } from '../log.ts';
import { replyPrivately } from './reply.ts';
import type { Acknowledge } from './handler-types.ts';

const SERVICE_ERROR_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  '57P01',
  '57P03',
  '08006',
  '08001',
]);

/** A dependency (Postgres, Redis) stopped answering: the user can retry later, nothing was written. */
export function isServiceOutage(error: unknown): boolean {
  for (let current: unknown = error, depth = 0; current && depth < 5; depth++) {
    const candidate = current as { code?: unknown; name?: unknown; message?: unknown; cause?: unknown };
    if (typeof candidate.code === 'string' && SERVICE_ERROR_CODES.has(candidate.code)) return true;
    if (candidate.name === 'MaxRetriesPerRequestError') return true;
    if (
      typeof candidate.message === 'string' &&
      /Connection is closed|connection terminated|timeout exceeded when trying to connect/i.test(
        candidate.message,
      )
    )
      return true;
    current = candidate.cause;
  }
  return false;
}

export async function acknowledge(interaction: RepliableInteraction, how: Acknowledge): Promise<void> {
  switch (how) {
    case 'ephemeral':
      await interaction.deferReply({ flags: MessageFlags.Ephemeral });
      return;
    case 'public':
      await interaction.deferReply();
      return;
    case 'update':
      if (interaction.isMessageComponent()) await interaction.deferUpdate();
      else await interaction.deferReply({ flags: MessageFlags.Ephemeral });
      return;
    case 'none':
      return;
  }
}

/**
 * The one error boundary per interaction. A UserError becomes a clear ephemeral reply with its code;
 * an outage of Postgres or Redis says so; anything else is a bug: logged with the interaction id, and
 * the user gets a short apology that quotes the id so it can be found in the logs.
 */
export async function withBoundary(
  interaction: Interaction,
  log: Logger,
  work: () => Promise<void>,
): Promise<void> {
  try {
    await work();
  } catch (error) {
    if (interaction.isAutocomplete()) {
      log.warn({ err: error }, 'autocomplete failed');
      if (!interaction.responded) await interaction.respond([]).catch(() => undefined);
      return;
    }
    let message: string;
    if (isUserError(error)) {
      log.info({ code: error.code }, error.message);
      message = `${error.message}\n-# ${error.code}`;
    } else if (isServiceOutage(error)) {
      log.error({ err: error }, 'a service is not answering');
      message =
        'Kiln cannot reach its database or queue right now, so nothing was changed. Please try again in a minute.\n-# service-unavailable';
    } else {
      log.error({ err: error }, 'interaction failed');
      message = `Sorry, something went wrong on Kiln's side. It has been logged as \`${interaction.id}\`.`;
    }
    if (!interaction.isRepliable()) return;
    try {
      await replyPrivately(interaction, message);
    } catch (replyError) {
      // The interaction may have expired (10062); there is no one left to tell.
      if (!(replyError instanceof DiscordAPIError))
        log.error({ err: replyError }, 'could not report the error');
      else log.warn({ code: replyError.code }, 'could not report the error to the user');
    }
  }
}
