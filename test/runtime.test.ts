import { describe, expect, it } from 'vitest';

describe('the runtime', () => {
  it('is a maintained Node LTS line (22 or newer), the one package.json pins', () => {
    console.log(`tests run on Node ${process.version}`);
    expect(Number(process.versions.node.split('.')[0])).toBeGreaterThanOrEqual(22);
  });
});
