/**
 * The one rule for what a main tag may never hold, shared by `/lora new` (where it is typed) and by export
 * and training (where it names the `10_<tag>` folder). e621 tags may hold parentheses, apostrophes, colons
 * and non-ASCII letters (`aurelia_(skyfall)`); what a tag cannot be is a path: no separator, no `..`, no
 * control character.
 */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/** The part of `tag` that would let it point outside its folder, or null when it is safe. */
export function unsafeMainTagPart(tag: string): string | null {
  for (const part of ['/', '\\', '..']) if (tag.includes(part)) return part;
  if (CONTROL.test(tag)) return 'a control character';
  return null;
}

/** The sentence that refuses an unsafe main tag, naming the value and the part. */
export function unsafeMainTagMessage(tag: string, part: string): string {
  const shown = part.length <= 2 ? `\`${part}\`` : part;
  return `The main tag ${JSON.stringify(tag)} contains ${shown}: the main tag also names the training folder (\`10_<main tag>\`), so it can hold no slash, backslash, \`..\` or control character.`;
}
