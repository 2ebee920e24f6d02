import { readFile } from 'node:fs/promises';
import { formatBytes } from './upload-limit.ts';
import type { LinkSigner } from './links.ts';
import type { OutgoingMessage } from '../notify/discord-rest.ts';

/**
 * The message that delivers a model with its info.txt, posted by the GPU worker at the end of a training and when
 * the owner picks an epoch (the deliverEpoch job): attached when it fits the server's upload limit, else a signed
 * download link (the object store's presigned URL, or the bot's download server), else (no public address
 * configured) where the file is on disk, with its hash to compare.
 */
export async function modelDeliveryMessage(input: {
  headline: string;
  fileName: string;
  /** Absolute path of the file to deliver. */
  filePath: string;
  /** The same file relative to DATA_DIR/models (what links sign). */
  relativePath: string;
  sizeBytes: number;
  infoText: string;
  uploadLimit: number;
  links: LinkSigner | null;
  /** A presigned link from the object store; when given it is used instead of `links`. */
  storeLink?: (() => Promise<{ url: string; expiresAt: Date } | null>) | undefined;
}): Promise<{ message: OutgoingMessage; note: string }> {
  const { headline, fileName, uploadLimit } = input;
  const infoFile = { name: 'info.txt', data: Buffer.from(input.infoText, 'utf8'), contentType: 'text/plain' };
  if (input.sizeBytes <= uploadLimit) {
    return {
      message: {
        body: { content: headline, allowed_mentions: { parse: [] } },
        files: [
          {
            name: fileName,
            data: await readFile(input.filePath),
            contentType: 'application/octet-stream',
          },
          infoFile,
        ],
      },
      note: 'The model and info.txt are attached below.',
    };
  }
  const infoFiles = infoFile.data.length <= uploadLimit ? [infoFile] : [];
  const fromStore = input.storeLink ? await input.storeLink() : null;
  if (fromStore || input.links) {
    const link = fromStore ?? input.links!.sign(input.relativePath);
    const until = `<t:${Math.floor(link.expiresAt.getTime() / 1000)}:f>`;
    return {
      message: {
        body: {
          content: `${headline}\nIt is larger than this server's upload limit (${formatBytes(uploadLimit)}), so here is a download link, valid until ${until}.`,
          components: [
            {
              type: 1,
              components: [{ type: 2, style: 5, label: `Download ${fileName}`.slice(0, 80), url: link.url }],
            },
          ],
          allowed_mentions: { parse: [] },
        },
        files: infoFiles,
      },
      note: 'The download link and info.txt are below.',
    };
  }
  return {
    message: {
      body: {
        content: `${headline}\nIt is larger than this server's upload limit (${formatBytes(uploadLimit)}) and Kiln has no public download address (the operator sets PUBLIC_URL and LINK_SECRET), so it cannot be shared here. The operator can copy \`${fileName}\` from the GPU worker's models folder (\`${input.relativePath}\`); compare its SHA-256.`,
        allowed_mentions: { parse: [] },
      },
      files: infoFiles,
    },
    note: 'The model is too large to attach and no download address is configured; see below.',
  };
}
