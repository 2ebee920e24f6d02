import type { ConfigFor } from '../config/env.ts';
import { LocalStore } from './local-store.ts';
import type { ObjectStore } from './object-store.ts';
import { S3Store } from './s3-store.ts';

/** The store the configuration names: DATA_DIR itself for `local`, the bucket for `s3`. */
export function openStore(config: ConfigFor<'storage' | 'runtime'>): ObjectStore {
  if (config.STORAGE === 'local') return new LocalStore(config.DATA_DIR);
  return new S3Store({
    bucket: config.S3_BUCKET ?? '',
    region: config.S3_REGION,
    ...(config.S3_ENDPOINT ? { endpoint: config.S3_ENDPOINT } : {}),
    ...(config.S3_PUBLIC_ENDPOINT ? { publicEndpoint: config.S3_PUBLIC_ENDPOINT } : {}),
    accessKeyId: config.S3_ACCESS_KEY_ID ?? '',
    secretAccessKey: config.S3_SECRET_ACCESS_KEY ?? '',
    forcePathStyle: (config.S3_FORCE_PATH_STYLE ?? (config.S3_ENDPOINT ? 'on' : 'off')) === 'on',
  });
}
