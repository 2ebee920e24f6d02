import type { RESTOptions } from 'discord.js';

/**
 * How discord.js's REST client sends requests: through Node's own fetch. Its default (the undici copy inside
 * @discordjs/rest) hands multipart bodies to whichever undici installed the process-wide dispatcher first; when
 * that is the project's newer undici (it is, whenever a tagger or e621 module loads before discord.js), file
 * uploads fail with "action is not a function". Node's fetch encodes the form itself, so uploads work either way.
 */
export const discordRestRequest: RESTOptions['makeRequest'] = (url, init) =>
  fetch(url, init as unknown as RequestInit);
