import { randomBytes } from 'node:crypto';

export const TEST_REDIS_URL = 'redis://127.0.0.1:6379';

/** A BullMQ prefix no other test uses, so queues never see each other's jobs. */
export function freshQueuePrefix(): string {
  return `kiln-test-${randomBytes(5).toString('hex')}`;
}
