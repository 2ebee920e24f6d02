/** Reading what a message shows, for assertions: works on legacy and Components V2 messages alike. */
import type { FakeMessage } from './types.ts';
import { isObject } from './validation.ts';

type ComponentJson = Record<string, unknown>;

/** Every component in document order: rows, containers, sections and their accessories included. */
export function allComponents(message: Pick<FakeMessage, 'components'>): ComponentJson[] {
  const out: ComponentJson[] = [];
  const walk = (value: unknown): void => {
    if (Array.isArray(value)) {
      value.forEach(walk);
      return;
    }
    if (!isObject(value)) return;
    out.push(value);
    walk(value['components']);
    walk(value['accessory']);
  };
  walk(message.components);
  return out;
}

/** Every custom_id (buttons, selects), in document order. */
export function customIds(message: Pick<FakeMessage, 'components'>): string[] {
  return allComponents(message)
    .map((c) => c['custom_id'])
    .filter((id): id is string => typeof id === 'string');
}

/** `content` followed by every Text Display's content, joined by newlines. */
export function textOf(message: Pick<FakeMessage, 'components' | 'content'>): string {
  const texts = allComponents(message)
    .filter((c) => c['type'] === 10 && typeof c['content'] === 'string')
    .map((c) => c['content'] as string);
  return [message.content, ...texts].filter((t) => t !== '').join('\n');
}

export interface ButtonView {
  customId: string | null;
  label: string | null;
  style: number;
  disabled: boolean;
  url: string | null;
}

export function buttons(message: Pick<FakeMessage, 'components'>): ButtonView[] {
  return allComponents(message)
    .filter((c) => c['type'] === 2)
    .map((c) => ({
      customId: typeof c['custom_id'] === 'string' ? c['custom_id'] : null,
      label: typeof c['label'] === 'string' ? c['label'] : null,
      style: typeof c['style'] === 'number' ? c['style'] : 0,
      disabled: c['disabled'] === true,
      url: typeof c['url'] === 'string' ? c['url'] : null,
    }));
}

/** The option values of the string select with this custom_id ([] when absent). */
export function selectValues(message: Pick<FakeMessage, 'components'>, customId: string): string[] {
  const select = allComponents(message).find((c) => c['type'] === 3 && c['custom_id'] === customId);
  const options = Array.isArray(select?.['options']) ? select['options'] : [];
  return options.filter(isObject).map((o) => String(o['value']));
}

/** The media URLs shown by Media Galleries and Thumbnails (as sent, e.g. 'attachment://a.png'). */
export function mediaUrls(message: Pick<FakeMessage, 'components'>): string[] {
  const urls: string[] = [];
  for (const component of allComponents(message)) {
    if (component['type'] === 12 && Array.isArray(component['items'])) {
      for (const item of component['items']) {
        const media = isObject(item) ? item['media'] : undefined;
        if (isObject(media) && typeof media['url'] === 'string') urls.push(media['url']);
      }
    }
    if (
      component['type'] === 11 &&
      isObject(component['media']) &&
      typeof component['media']['url'] === 'string'
    ) {
      urls.push(component['media']['url']);
    }
  }
  return urls;
}
