import { describe, expect, it } from 'vitest';
import { hidePaths } from '../../src/training/public-text.ts';

describe('hidePaths', () => {
  it('shows the file name of every absolute path and leaves URLs, slash commands and fractions alone', () => {
    expect(
      hidePaths("ENOTEMPTY: directory not empty, rmdir '/srv/kiln/data/runs/run-3/img.partial-ab12/10_x'"),
    ).toBe("ENOTEMPTY: directory not empty, rmdir '10_x'");
    expect(hidePaths("from the worker's base-model list: /models/sd/fakemix_v1.safetensors")).toBe(
      "from the worker's base-model list: fakemix_v1.safetensors",
    );
    expect(hidePaths('at C:\\models\\x.safetensors now')).toBe('at x.safetensors now');
    expect(hidePaths('the folder /srv/kiln/runs/ is gone')).toBe('the folder … is gone');
    const plain = 'see https://e621.net/posts/123, run /lora export, and/or 1/2 of ../x';
    expect(hidePaths(plain)).toBe(plain);
  });
});
