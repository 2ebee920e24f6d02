import type { InfoTxtInput } from '../core/info-txt.ts';

/** info.txt's input and the sample prompts as JSON (sd-scripts options may hold bigints), for a later delivery. */
export function serializeInfoInput(input: InfoTxtInput, samplePrompts: readonly string[]): string {
  return JSON.stringify({ input, samplePrompts }, (_key, value: unknown) =>
    typeof value === 'bigint' ? { $bigint: value.toString() } : value,
  );
}

export function parseInfoInput(text: string): { input: InfoTxtInput; samplePrompts: string[] } {
  return JSON.parse(text, (_key, value: unknown) =>
    value !== null && typeof value === 'object' && '$bigint' in value
      ? BigInt(String((value as { $bigint: string }).$bigint))
      : value,
  ) as { input: InfoTxtInput; samplePrompts: string[] };
}
