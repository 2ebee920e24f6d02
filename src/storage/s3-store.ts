import { createReadStream, createWriteStream } from 'node:fs';
import { rename, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { createFolder, partialPath, removeQuietly } from './disk.ts';
import {
  assertObjectKey,
  type DownloadUrlOptions,
  type ObjectInfo,
  type ObjectStore,
} from './object-store.ts';
import { StorageError } from './storage-error.ts';

export interface S3StoreOptions {
  bucket: string;
  region: string;
  /** Any S3-compatible endpoint (MinIO, R2, B2); absent for AWS itself. */
  endpoint?: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** `https://host/bucket/key` instead of `https://bucket.host/key` (MinIO and most self-hosted stores). */
  forcePathStyle: boolean;
  /**
   * The address people's browsers reach the store at, when it differs from `endpoint` (MinIO inside compose is
   * `http://minio:9000` to Kiln but `https://files.example.org` to the world): download links are signed for it.
   */
  publicEndpoint?: string;
}

/** SigV4 presigned URLs live at most 7 days. */
const MAX_PRESIGN_SECONDS = 7 * 24 * 3600;

/** Network failures that mean "nothing answers there", not "the store said no". */
const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH']);

function errorCode(error: unknown): string | undefined {
  const own = (error as { code?: unknown }).code;
  if (typeof own === 'string') return own;
  const cause = (error as { cause?: unknown }).cause;
  return cause ? errorCode(cause) : undefined;
}

/** The back end for any S3-compatible object store. PUT of one object is atomic on S3: no half object. */
export class S3Store implements ObjectStore {
  readonly description: string;
  private readonly client: S3Client;
  /** Signs download links (signing is offline: it never connects). */
  private readonly signer: S3Client;
  private readonly bucket: string;

  constructor(options: S3StoreOptions) {
    this.bucket = options.bucket;
    this.description = `S3 bucket ${options.bucket}${options.endpoint ? ` at ${options.endpoint}` : ` in ${options.region}`}`;
    this.client = new S3Client({
      region: options.region,
      ...(options.endpoint ? { endpoint: options.endpoint } : {}),
      forcePathStyle: options.forcePathStyle,
      credentials: { accessKeyId: options.accessKeyId, secretAccessKey: options.secretAccessKey },
      // The SDK retries throttling, 5xx and dropped connections (mid-upload) with backoff.
      maxAttempts: 4,
      // Checksums only when the operation requires them: several S3-compatible stores reject the newer headers.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
    this.signer = options.publicEndpoint
      ? new S3Client({
          region: options.region,
          endpoint: options.publicEndpoint,
          forcePathStyle: options.forcePathStyle,
          credentials: { accessKeyId: options.accessKeyId, secretAccessKey: options.secretAccessKey },
        })
      : this.client;
  }

  /** The store's refusal as one clear line. */
  private explain(error: unknown, key?: string): Error {
    const what = key ? `${key} in the ${this.description}` : `the ${this.description}`;
    const network = errorCode(error);
    if (network && UNREACHABLE_CODES.has(network)) {
      return new StorageError('store-unreachable', `The ${this.description} does not answer (${network}).`, {
        cause: error,
      });
    }
    if (error instanceof S3ServiceException) {
      const status = error.$metadata.httpStatusCode;
      if (error.name === 'NoSuchBucket' || (status === 404 && !key)) {
        return new StorageError(
          'store-no-bucket',
          `The bucket ${this.bucket} does not exist at ${this.description.replace(/^S3 bucket \S+ /, '')}; create it or fix S3_BUCKET.`,
          { cause: error },
        );
      }
      if (error.name === 'NoSuchKey' || error.name === 'NotFound' || status === 404) {
        return new StorageError('object-missing', `${what} does not exist.`, { cause: error });
      }
      if (
        status === 403 ||
        ['InvalidAccessKeyId', 'SignatureDoesNotMatch', 'AccessDenied', 'InvalidClientTokenId'].includes(
          error.name,
        )
      ) {
        return new StorageError(
          'store-credentials',
          `The ${this.description} refused the credentials (${error.name}); check S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY.`,
          { cause: error },
        );
      }
      return new StorageError(
        'store-failed',
        `The ${this.description} failed (${error.name}, HTTP ${status}).`,
        {
          cause: error,
        },
      );
    }
    return error instanceof Error ? error : new Error(String(error));
  }

  private async send<T>(operation: () => Promise<T>, key?: string): Promise<T> {
    try {
      return await operation();
    } catch (error) {
      throw this.explain(error, key);
    }
  }

  async check(): Promise<void> {
    await this.send(() => this.client.send(new HeadBucketCommand({ Bucket: this.bucket })));
  }

  async put(key: string, data: Uint8Array): Promise<void> {
    assertObjectKey(key);
    await this.send(
      () =>
        this.client.send(
          new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: data, ContentLength: data.byteLength }),
        ),
      key,
    );
  }

  async putFile(key: string, path: string): Promise<void> {
    assertObjectKey(key);
    const { size } = await stat(path);
    // One PUT up to S3's 5 GB single-object limit (LoRA files are far below it): atomic, and the SDK reopens
    // nothing on retry, so a failed attempt is retried here from a fresh stream.
    for (let attempt = 1; ; attempt++) {
      try {
        await this.send(
          () =>
            this.client.send(
              new PutObjectCommand({
                Bucket: this.bucket,
                Key: key,
                Body: createReadStream(path),
                ContentLength: size,
              }),
            ),
          key,
        );
        return;
      } catch (error) {
        const retryable = error instanceof StorageError && error.code === 'store-unreachable';
        if (!retryable || attempt >= 3) throw error;
        await new Promise((done) => setTimeout(done, 500 * attempt));
      }
    }
  }

  async getStream(key: string): Promise<Readable> {
    assertObjectKey(key);
    const response = await this.send(
      () => this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key })),
      key,
    );
    const body = response.Body;
    if (!(body instanceof Readable))
      throw new StorageError('store-failed', `${key}: the store sent no body.`);
    return body;
  }

  async get(key: string): Promise<Buffer> {
    const chunks: Buffer[] = [];
    for await (const chunk of await this.getStream(key)) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  }

  async getToFile(key: string, path: string): Promise<void> {
    const body = await this.getStream(key);
    await createFolder(dirname(path));
    const partial = partialPath(path);
    try {
      await pipeline(body, createWriteStream(partial));
      await rename(partial, path);
    } catch (error) {
      await removeQuietly(partial);
      throw this.explain(error, key);
    }
  }

  async stat(key: string): Promise<ObjectInfo | null> {
    assertObjectKey(key);
    try {
      const head = await this.send(
        () => this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key })),
        key,
      );
      return { key, size: head.ContentLength ?? 0 };
    } catch (error) {
      if (error instanceof StorageError && error.code === 'object-missing') return null;
      throw error;
    }
  }

  async delete(key: string): Promise<void> {
    assertObjectKey(key);
    await this.send(() => this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key })), key);
  }

  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    let token: string | undefined;
    do {
      const page = await this.send(() =>
        this.client.send(
          new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ContinuationToken: token }),
        ),
      );
      for (const item of page.Contents ?? []) {
        if (item.Key !== undefined) yield { key: item.Key, size: item.Size ?? 0 };
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  async downloadUrl(key: string, options: DownloadUrlOptions): Promise<string | null> {
    assertObjectKey(key);
    const fileName = options.fileName?.replace(/["\\\r\n]/g, '_');
    const command = new GetObjectCommand({
      Bucket: this.bucket,
      Key: key,
      ...(fileName ? { ResponseContentDisposition: `attachment; filename="${fileName}"` } : {}),
    });
    const expiresIn = Math.max(1, Math.min(MAX_PRESIGN_SECONDS, Math.floor(options.expiresInSeconds)));
    return await getSignedUrl(this.signer, command, { expiresIn });
  }
}
