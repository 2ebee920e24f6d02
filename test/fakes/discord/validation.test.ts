import { describe, expect, it } from 'vitest';
import { toFormErrors } from './errors.ts';
import { customIds, mediaUrls, textOf } from './inspect.ts';
import type { FakeMessage } from './types.ts';
import {
  checkAutocompleteData,
  checkCallbackType,
  checkMessageBody,
  checkModalData,
  countComponents,
  MessageFlag,
} from './validation.ts';

const text = (content: string) => ({ type: 10, content });
const button = (custom_id: string) => ({ type: 2, style: 1, label: 'b', custom_id });
const section = (content: string, accessoryId: string) => ({
  type: 9,
  components: [text(content)],
  accessory: button(accessoryId),
});
const v2 = { flags: MessageFlag.IsComponentsV2, attachmentNames: [] };

describe('Components V2 counting', () => {
  it('counts containers, rows, buttons, sections and accessories', () => {
    const components = [
      {
        type: 17,
        components: [text('a'), section('b', 's1'), { type: 1, components: [button('x'), button('y')] }],
      },
    ];
    // container 1 + text 1 + section 1 + its text 1 + accessory 1 + row 1 + 2 buttons
    expect(countComponents(components)).toBe(8);
  });

  it('does not count gallery items as components', () => {
    expect(
      countComponents([
        { type: 12, items: [{ media: { url: 'https://x/1.png' } }, { media: { url: 'https://x/2.png' } }] },
      ]),
    ).toBe(1);
  });
});

describe('message checks', () => {
  it('require a Section to hold 1–3 Text Displays and an accessory', () => {
    const issues = checkMessageBody(
      { components: [{ type: 9, components: [text('1'), text('2'), text('3'), text('4')] }] },
      v2,
    );
    expect(issues.map((i) => i.path.join('.'))).toEqual([
      'components.0.components',
      'components.0.accessory',
    ]);
  });

  it('find duplicate custom_ids across nesting levels', () => {
    const issues = checkMessageBody(
      {
        components: [
          { type: 17, components: [section('a', 'dup'), { type: 1, components: [button('dup')] }] },
        ],
      },
      v2,
    );
    expect(issues).toEqual([
      expect.objectContaining({
        code: 'COMPONENT_CUSTOM_ID_DUPLICATED',
        path: ['components', 0, 'components', 1, 'components', 0, 'custom_id'],
      }),
    ]);
  });

  it('only allow attachment:// in a File component', () => {
    const issues = checkMessageBody(
      { components: [{ type: 13, file: { url: 'https://x/model.safetensors' } }] },
      v2,
    );
    expect(issues.map((i) => i.path.join('.'))).toEqual(['components.0.file.url']);
  });

  it('nest issues the way Discord reports them', () => {
    expect(toFormErrors([{ path: ['components', 0, 'custom_id'], code: 'C', message: 'm' }])).toEqual({
      components: { '0': { custom_id: { _errors: [{ code: 'C', message: 'm' }] } } },
    });
  });
});

describe('callback checks', () => {
  it('allow only type 8 for autocomplete and no modal for a modal submit', () => {
    expect(checkCallbackType(4, 8)).toEqual([]);
    expect(checkCallbackType(4, 4)).toHaveLength(1);
    expect(checkCallbackType(5, 9)).toEqual([
      expect.objectContaining({ path: ['type'], message: 'Value must be one of {4, 5, 6, 7, 10}.' }),
    ]);
  });

  it('refuse more than 25 autocomplete choices', () => {
    const choices = Array.from({ length: 26 }, (_, i) => ({ name: `c${i}`, value: `c${i}` }));
    expect(checkAutocompleteData({ choices }).map((i) => i.path.join('.'))).toEqual(['data.choices']);
  });

  it('check modal title, component count and legacy text input labels', () => {
    const input = { type: 4, custom_id: 'a', style: 1 };
    const components = Array.from({ length: 6 }, () => ({ type: 1, components: [input] }));
    expect(
      checkModalData({ custom_id: 'm', title: 't'.repeat(46), components }).map((i) => i.path.join('.')),
    ).toEqual(['data.title', 'data.components']);
    expect(
      checkModalData({ custom_id: 'm', title: 'ok', components: [{ type: 1, components: [input] }] }).map(
        (i) => i.path.join('.'),
      ),
    ).toEqual(['data.components.0.components.0.label']);
  });

  it('accept a File Upload of 0–10 files in a Label and refuse counts outside that', () => {
    const modal = (upload: Record<string, unknown>) => ({
      custom_id: 'm',
      title: 'Upload',
      components: [{ type: 18, label: 'Files', component: { type: 19, custom_id: 'f', ...upload } }],
    });
    expect(checkModalData(modal({}))).toEqual([]);
    expect(checkModalData(modal({ min_values: 0, max_values: 10, file_types: ['image', '.pdf'] }))).toEqual(
      [],
    );
    const paths = (upload: Record<string, unknown>) =>
      checkModalData(modal(upload)).map((i) => i.path.join('.'));
    expect(paths({ min_values: 11, max_values: 10 })).toEqual(['data.components.0.component.min_values']);
    expect(paths({ min_values: 2 })).toEqual(['data.components.0.component.min_values']);
    expect(paths({ max_values: 0 })).toEqual(['data.components.0.component.max_values']);
    expect(paths({ min_values: 3, max_values: 2 })).toEqual(['data.components.0.component.min_values']);
    expect(paths({ file_types: Array.from({ length: 11 }, (_, i) => `.x${i}`) })).toEqual([
      'data.components.0.component.file_types',
    ]);
  });
});

describe('reading messages', () => {
  const message: Pick<FakeMessage, 'components' | 'content'> = {
    content: '',
    components: [
      {
        type: 17,
        components: [
          text('**renamon**'),
          section('image 1', 'v:1:keep'),
          { type: 12, items: [{ media: { url: 'attachment://1.png' } }] },
          { type: 1, components: [button('v:1:prune'), button('v:2:keep')] },
        ],
      },
    ] as FakeMessage['components'],
  };

  it('list custom_ids in document order, accessories included', () => {
    expect(customIds(message)).toEqual(['v:1:keep', 'v:1:prune', 'v:2:keep']);
  });

  it('join content and Text Displays', () => {
    expect(textOf(message)).toBe('**renamon**\nimage 1');
    expect(textOf({ content: 'plain', components: [] })).toBe('plain');
  });

  it('list media URLs as sent', () => {
    expect(mediaUrls(message)).toEqual(['attachment://1.png']);
  });
});
