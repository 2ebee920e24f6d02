/**
 * Discord's documented limits as pure checks. Each returns the problems it found (empty when valid);
 * the routes turn them into 50035 Invalid Form Body. Limits: developers/components/reference.mdx,
 * interactions/receiving-and-responding.mdx, resources/message.mdx (see reference/discord.md §1).
 */
import type { ValidationIssue } from './errors.ts';

export const MessageFlag = {
  SuppressEmbeds: 1 << 2,
  HasThread: 1 << 5,
  Ephemeral: 1 << 6,
  Loading: 1 << 7,
  SuppressNotifications: 1 << 12,
  IsComponentsV2: 1 << 15,
} as const;

export const LIMITS = {
  contentLength: 2000,
  embeds: 10,
  files: 10,
  legacyActionRows: 5,
  buttonsPerRow: 5,
  selectOptions: 25,
  v2TotalComponents: 40,
  customIdLength: 100,
  galleryItems: 10,
  sectionTexts: 3,
  buttonLabel: 80,
  textDisplayContent: 4000,
  modalTitle: 45,
  modalComponents: 5,
  labelLabel: 45,
  labelDescription: 100,
  textInputLength: 4000,
  autocompleteChoices: 25,
  commandOptions: 25,
  threadName: 100,
} as const;

export const AUTO_ARCHIVE_DURATIONS = [60, 1440, 4320, 10080] as const;

type Path = (string | number)[];
type Json = Record<string, unknown>;

export function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const SELECT_TYPES = new Set([3, 5, 6, 7, 8]);
/** Component types only allowed with IS_COMPONENTS_V2. */
const V2_TOP_LEVEL = new Set([1, 9, 10, 12, 13, 14, 17]);
const CONTAINER_CHILDREN = new Set([1, 9, 10, 12, 13, 14]);

function badLength(path: Path, min: number, max: number): ValidationIssue {
  return { path, code: 'BASE_TYPE_BAD_LENGTH', message: `Must be between ${min} and ${max} in length.` };
}
function tooLong(path: Path, max: number): ValidationIssue {
  return { path, code: 'BASE_TYPE_MAX_LENGTH', message: `Must be ${max} or fewer in length.` };
}
function required(path: Path): ValidationIssue {
  return { path, code: 'BASE_TYPE_REQUIRED', message: 'This field is required' };
}
function choices(path: Path, allowed: readonly number[]): ValidationIssue {
  return { path, code: 'BASE_TYPE_CHOICES', message: `Value must be one of {${allowed.join(', ')}}.` };
}

function checkString(
  issues: ValidationIssue[],
  value: unknown,
  path: Path,
  min: number,
  max: number,
  isRequired: boolean,
): void {
  if (value === undefined || value === null) {
    if (isRequired) issues.push(required(path));
    return;
  }
  if (typeof value !== 'string') {
    issues.push({ path, code: 'BASE_TYPE_STRING', message: 'Must be a string.' });
    return;
  }
  if (value.length < min || value.length > max) {
    issues.push(min === 0 ? tooLong(path, max) : badLength(path, min, max));
  }
}

/** Every component counts toward the V2 total, nested ones included (rows, buttons, accessories). */
export function countComponents(components: unknown): number {
  if (!Array.isArray(components)) return 0;
  let total = 0;
  for (const component of components) {
    if (!isObject(component)) continue;
    total += 1 + countComponents(component['components']);
    if (isObject(component['accessory'])) total += 1;
  }
  return total;
}

/** Every custom_id in message components, in document order. */
export function collectCustomIds(components: unknown): string[] {
  const ids: string[] = [];
  const walk = (value: unknown): void => {
    if (Array.isArray(value)) {
      value.forEach(walk);
      return;
    }
    if (!isObject(value)) return;
    if (typeof value['custom_id'] === 'string') ids.push(value['custom_id']);
    walk(value['components']);
    walk(value['accessory']);
    walk(value['component']);
  };
  walk(components);
  return ids;
}

/** Names that `attachment://name` may point at: files of this request and attachments the message keeps. */
export interface MediaContext {
  attachmentNames: readonly string[];
}

class ComponentChecker {
  readonly issues: ValidationIssue[] = [];
  readonly #customIds = new Map<string, Path>();

  constructor(
    private readonly v2: boolean,
    private readonly media: MediaContext,
  ) {}

  customId(value: unknown, path: Path): void {
    checkString(this.issues, value, path, 1, LIMITS.customIdLength, true);
    if (typeof value !== 'string') return;
    if (this.#customIds.has(value)) {
      this.issues.push({
        path,
        code: 'COMPONENT_CUSTOM_ID_DUPLICATED',
        message: 'Component custom id cannot be duplicated',
      });
    } else {
      this.#customIds.set(value, path);
    }
  }

  mediaUrl(media: unknown, path: Path): void {
    if (!isObject(media) || typeof media['url'] !== 'string' || media['url'] === '') {
      this.issues.push(required([...path, 'url']));
      return;
    }
    const url = media['url'];
    if (url.startsWith('attachment://')) {
      const name = url.slice('attachment://'.length);
      if (!this.media.attachmentNames.includes(name)) {
        this.issues.push({
          path: [...path, 'url'],
          code: 'UNFURLED_MEDIA_ITEM_ATTACHMENT_NOT_FOUND',
          message: `Attachment "${name}" was not uploaded with this request nor kept on the message.`,
        });
      }
    } else if (!/^https?:\/\//.test(url)) {
      this.issues.push({
        path: [...path, 'url'],
        code: 'URL_TYPE_INVALID_URL',
        message: 'Not a well formed URL.',
      });
    }
  }

  component(component: unknown, path: Path, allowed: ReadonlySet<number>): void {
    if (!isObject(component)) {
      this.issues.push({
        path,
        code: 'MODEL_TYPE_CONVERT',
        message: 'Only dictionaries may be used in a ModelType',
      });
      return;
    }
    const type = component['type'];
    if (typeof type !== 'number' || !allowed.has(type)) {
      this.issues.push(choices([...path, 'type'], [...allowed]));
      return;
    }
    switch (type) {
      case 1:
        return this.actionRow(component, path);
      case 2:
        return this.button(component, path);
      case 3:
      case 5:
      case 6:
      case 7:
      case 8:
        return this.select(component, path);
      case 9:
        return this.section(component, path);
      case 10:
        checkString(
          this.issues,
          component['content'],
          [...path, 'content'],
          1,
          LIMITS.textDisplayContent,
          true,
        );
        return;
      case 11:
        return this.mediaUrl(component['media'], [...path, 'media']);
      case 12:
        return this.gallery(component, path);
      case 13:
        return this.file(component, path);
      case 14: {
        const spacing = component['spacing'];
        if (spacing !== undefined && spacing !== 1 && spacing !== 2)
          this.issues.push(choices([...path, 'spacing'], [1, 2]));
        return;
      }
      case 17:
        return this.container(component, path);
      default:
        return;
    }
  }

  actionRow(row: Json, path: Path): void {
    const children = row['components'];
    const childPath = [...path, 'components'];
    if (!Array.isArray(children) || children.length === 0) {
      this.issues.push(badLength(childPath, 1, LIMITS.buttonsPerRow));
      return;
    }
    const hasSelect = children.some((c) => isObject(c) && SELECT_TYPES.has(c['type'] as number));
    if ((hasSelect && children.length > 1) || children.length > LIMITS.buttonsPerRow) {
      this.issues.push({
        path: childPath,
        code: 'COMPONENT_LAYOUT_WIDTH_EXCEEDED',
        message: 'The specified component exceeds the maximum width',
      });
    }
    children.forEach((child, i) => this.component(child, [...childPath, i], new Set([2, 3, 5, 6, 7, 8])));
  }

  button(button: Json, path: Path): void {
    const style = button['style'];
    if (typeof style !== 'number' || style < 1 || style > 6) {
      this.issues.push(choices([...path, 'style'], [1, 2, 3, 4, 5, 6]));
      return;
    }
    checkString(this.issues, button['label'], [...path, 'label'], 0, LIMITS.buttonLabel, false);
    if (style === 5) {
      if (typeof button['url'] !== 'string') this.issues.push(required([...path, 'url']));
      if (button['custom_id'] !== undefined) {
        this.issues.push({
          path: [...path, 'custom_id'],
          code: 'BUTTON_COMPONENT_CUSTOM_ID_NOT_ALLOWED',
          message: 'A link button cannot have a custom id',
        });
      }
    } else if (style !== 6) {
      this.customId(button['custom_id'], [...path, 'custom_id']);
    }
  }

  select(select: Json, path: Path): void {
    this.customId(select['custom_id'], [...path, 'custom_id']);
    checkString(this.issues, select['placeholder'], [...path, 'placeholder'], 0, 150, false);
    const min = select['min_values'];
    const max = select['max_values'];
    if (min !== undefined && (typeof min !== 'number' || min < 0 || min > 25)) {
      this.issues.push({
        path: [...path, 'min_values'],
        code: 'NUMBER_TYPE_MAX',
        message: 'int value should be <= 25.',
      });
    }
    if (max !== undefined && (typeof max !== 'number' || max < 1 || max > 25)) {
      this.issues.push({
        path: [...path, 'max_values'],
        code: 'NUMBER_TYPE_MAX',
        message: 'int value should be <= 25.',
      });
    }
    if (select['type'] !== 3) return;
    const options = select['options'];
    if (!Array.isArray(options) || options.length < 1 || options.length > LIMITS.selectOptions) {
      this.issues.push(badLength([...path, 'options'], 1, LIMITS.selectOptions));
      return;
    }
    if (typeof max === 'number' && max > options.length) {
      this.issues.push({
        path: [...path, 'max_values'],
        code: 'SELECT_COMPONENT_MAX_VALUES_TOO_LARGE',
        message: `max_values must be at most the number of options (${options.length})`,
      });
    }
    const values = new Set<string>();
    options.forEach((option, i) => {
      const optionPath = [...path, 'options', i];
      if (!isObject(option)) {
        this.issues.push(required(optionPath));
        return;
      }
      checkString(this.issues, option['label'], [...optionPath, 'label'], 1, 100, true);
      checkString(this.issues, option['value'], [...optionPath, 'value'], 1, 100, true);
      checkString(this.issues, option['description'], [...optionPath, 'description'], 0, 100, false);
      if (typeof option['value'] === 'string') {
        if (values.has(option['value'])) {
          this.issues.push({
            path: [...optionPath, 'value'],
            code: 'SELECT_COMPONENT_OPTION_VALUE_DUPLICATED',
            message: 'Select component option values must be unique',
          });
        }
        values.add(option['value']);
      }
    });
  }

  section(section: Json, path: Path): void {
    const texts = section['components'];
    if (!Array.isArray(texts) || texts.length < 1 || texts.length > LIMITS.sectionTexts) {
      this.issues.push(badLength([...path, 'components'], 1, LIMITS.sectionTexts));
    } else {
      texts.forEach((text, i) => this.component(text, [...path, 'components', i], new Set([10])));
    }
    if (section['accessory'] === undefined) this.issues.push(required([...path, 'accessory']));
    else this.component(section['accessory'], [...path, 'accessory'], new Set([2, 11]));
  }

  gallery(gallery: Json, path: Path): void {
    const items = gallery['items'];
    if (!Array.isArray(items) || items.length < 1 || items.length > LIMITS.galleryItems) {
      this.issues.push(badLength([...path, 'items'], 1, LIMITS.galleryItems));
      return;
    }
    items.forEach((item, i) => {
      const itemPath = [...path, 'items', i];
      if (!isObject(item)) {
        this.issues.push(required(itemPath));
        return;
      }
      this.mediaUrl(item['media'], [...itemPath, 'media']);
      checkString(this.issues, item['description'], [...itemPath, 'description'], 0, 1024, false);
    });
  }

  file(file: Json, path: Path): void {
    const media = file['file'];
    if (isObject(media) && typeof media['url'] === 'string' && !media['url'].startsWith('attachment://')) {
      this.issues.push({
        path: [...path, 'file', 'url'],
        code: 'UNFURLED_MEDIA_ITEM_MUST_BE_ATTACHMENT',
        message: 'A File component only supports attachment:// references',
      });
      return;
    }
    this.mediaUrl(media, [...path, 'file']);
  }

  container(container: Json, path: Path): void {
    const children = container['components'];
    if (!Array.isArray(children) || children.length === 0) {
      this.issues.push(required([...path, 'components']));
      return;
    }
    const accent = container['accent_color'];
    if (
      accent !== undefined &&
      accent !== null &&
      (typeof accent !== 'number' || accent < 0 || accent > 0xffffff)
    ) {
      this.issues.push({
        path: [...path, 'accent_color'],
        code: 'NUMBER_TYPE_MAX',
        message: 'int value should be <= 16777215.',
      });
    }
    children.forEach((child, i) => this.component(child, [...path, 'components', i], CONTAINER_CHILDREN));
  }

  topLevel(components: unknown): void {
    if (components === undefined || components === null) return;
    if (!Array.isArray(components)) {
      this.issues.push({ path: ['components'], code: 'BASE_TYPE_ARRAY', message: 'Must be an array.' });
      return;
    }
    if (this.v2) {
      const total = countComponents(components);
      if (total > LIMITS.v2TotalComponents) {
        this.issues.push({
          path: ['components'],
          code: 'BASE_TYPE_MAX_LENGTH',
          message: `Must be ${LIMITS.v2TotalComponents} or fewer in length (counting nested components: ${total}).`,
        });
      }
      components.forEach((c, i) => this.component(c, ['components', i], V2_TOP_LEVEL));
    } else {
      if (components.length > LIMITS.legacyActionRows)
        this.issues.push(badLength(['components'], 0, LIMITS.legacyActionRows));
      components.forEach((c, i) => this.component(c, ['components', i], new Set([1])));
    }
  }
}

export interface MessageCheckContext extends MediaContext {
  /** The flags the message ends up with (for an edit: the kept flags plus the new ones). */
  flags: number;
}

/** The message body of a create, an edit, a follow-up or a type 4/7 callback. */
export function checkMessageBody(body: Json, context: MessageCheckContext): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const v2 = (context.flags & MessageFlag.IsComponentsV2) !== 0;
  const content = body['content'];
  checkString(issues, content, ['content'], 0, LIMITS.contentLength, false);
  const embeds = body['embeds'];
  if (Array.isArray(embeds) && embeds.length > LIMITS.embeds) issues.push(tooLong(['embeds'], LIMITS.embeds));
  if (v2) {
    const legacy = (field: string): ValidationIssue => ({
      path: [field],
      code: 'MESSAGE_CANNOT_USE_LEGACY_FIELDS_WITH_COMPONENTS_V2',
      message: `The '${field}' field cannot be used when using MessageFlags.IS_COMPONENTS_V2`,
    });
    if (typeof content === 'string' && content !== '') issues.push(legacy('content'));
    if (Array.isArray(embeds) && embeds.length > 0) issues.push(legacy('embeds'));
    if (body['poll'] !== undefined && body['poll'] !== null) issues.push(legacy('poll'));
    if (Array.isArray(body['sticker_ids']) && body['sticker_ids'].length > 0)
      issues.push(legacy('sticker_ids'));
  }
  const attachments = body['attachments'];
  if (Array.isArray(attachments) && attachments.length > LIMITS.files)
    issues.push(tooLong(['attachments'], LIMITS.files));
  const checker = new ComponentChecker(v2, context);
  checker.topLevel(body['components']);
  issues.push(...checker.issues);
  return issues;
}

/** More than 10 files in one request. (Sizes are checked apart: they answer 413, not 50035.) */
export function checkFileCount(fileCount: number): ValidationIssue[] {
  return fileCount > LIMITS.files ? [tooLong(['files'], LIMITS.files)] : [];
}

/** The largest file over the per-attachment limit, if any. */
export function oversizedFile<T extends { size: number }>(
  files: readonly T[],
  limitBytes: number,
): T | undefined {
  return files.find((file) => file.size > limitBytes);
}

/** Which callback types an interaction type accepts (Discord answers BASE_TYPE_CHOICES otherwise). */
export function allowedCallbackTypes(interactionType: number): readonly number[] {
  switch (interactionType) {
    case 2:
      return [4, 5, 9, 10, 12];
    case 3:
      return [4, 5, 6, 7, 9, 10, 12];
    case 4:
      return [8];
    case 5:
      return [4, 5, 6, 7, 10];
    default:
      return [1];
  }
}

export function checkCallbackType(interactionType: number, callbackType: unknown): ValidationIssue[] {
  const allowed = allowedCallbackTypes(interactionType);
  return typeof callbackType === 'number' && allowed.includes(callbackType)
    ? []
    : [choices(['type'], allowed)];
}

/** A deferred reply (type 5) may only carry the EPHEMERAL flag; V2 content comes with the later edit. */
export function checkDeferredData(data: unknown): ValidationIssue[] {
  if (!isObject(data)) return [];
  const flags = data['flags'];
  if (flags === undefined || flags === null) return [];
  const allowed = MessageFlag.Ephemeral | MessageFlag.SuppressNotifications;
  if (typeof flags !== 'number' || (flags & ~allowed) !== 0) {
    return [
      {
        path: ['data', 'flags'],
        code: 'INTERACTION_DEFERRED_FLAGS_INVALID',
        message: 'A deferred response may only set the EPHEMERAL flag',
      },
    ];
  }
  return [];
}

/** Autocomplete results: at most 25 choices, names 1–100 characters, string values ≤100. */
export function checkAutocompleteData(data: unknown): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  if (!isObject(data) || !Array.isArray(data['choices'])) return [required(['data', 'choices'])];
  const list = data['choices'];
  if (list.length > LIMITS.autocompleteChoices)
    issues.push(tooLong(['data', 'choices'], LIMITS.autocompleteChoices));
  list.forEach((choice, i) => {
    const path = ['data', 'choices', i];
    if (!isObject(choice)) {
      issues.push(required(path));
      return;
    }
    checkString(issues, choice['name'], [...path, 'name'], 1, 100, true);
    const value = choice['value'];
    if (typeof value === 'string') checkString(issues, value, [...path, 'value'], 0, 100, true);
    else if (typeof value !== 'number') issues.push(required([...path, 'value']));
  });
  return issues;
}

const LABEL_CHILDREN = new Set([3, 4, 5, 6, 7, 8, 19, 21, 22, 23]);

/** A modal (callback type 9): custom_id, title ≤45, 1–5 Labels / Text Displays / legacy rows. */
export function checkModalData(data: unknown): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  if (!isObject(data)) return [required(['data'])];
  const seen = new Set<string>();
  const customId = (value: unknown, path: Path): void => {
    checkString(issues, value, path, 1, LIMITS.customIdLength, true);
    if (typeof value === 'string') {
      if (seen.has(value)) {
        issues.push({
          path,
          code: 'COMPONENT_CUSTOM_ID_DUPLICATED',
          message: 'Component custom id cannot be duplicated',
        });
      }
      seen.add(value);
    }
  };
  customId(data['custom_id'], ['data', 'custom_id']);
  checkString(issues, data['title'], ['data', 'title'], 1, LIMITS.modalTitle, true);
  const components = data['components'];
  if (!Array.isArray(components) || components.length < 1 || components.length > LIMITS.modalComponents) {
    issues.push(badLength(['data', 'components'], 1, LIMITS.modalComponents));
    return issues;
  }
  const textInput = (input: Json, path: Path, needsLabel: boolean): void => {
    customId(input['custom_id'], [...path, 'custom_id']);
    const style = input['style'];
    if (style !== 1 && style !== 2) issues.push(choices([...path, 'style'], [1, 2]));
    checkString(issues, input['label'], [...path, 'label'], 1, LIMITS.labelLabel, needsLabel);
    checkString(issues, input['placeholder'], [...path, 'placeholder'], 0, 100, false);
    checkString(issues, input['value'], [...path, 'value'], 0, LIMITS.textInputLength, false);
    const min = input['min_length'];
    const max = input['max_length'];
    if (min !== undefined && (typeof min !== 'number' || min < 0 || min > LIMITS.textInputLength)) {
      issues.push({
        path: [...path, 'min_length'],
        code: 'NUMBER_TYPE_MAX',
        message: 'int value should be <= 4000.',
      });
    }
    if (max !== undefined && (typeof max !== 'number' || max < 1 || max > LIMITS.textInputLength)) {
      issues.push({
        path: [...path, 'max_length'],
        code: 'NUMBER_TYPE_MAX',
        message: 'int value should be <= 4000.',
      });
    }
  };
  // File Upload: 0–10 files at least, 1–10 at most, at most 10 file types.
  const fileUpload = (upload: Json, path: Path): void => {
    const min = upload['min_values'] ?? 1;
    const max = upload['max_values'] ?? 1;
    const minValid = typeof min === 'number' && Number.isInteger(min) && min >= 0 && min <= 10;
    const maxValid = typeof max === 'number' && Number.isInteger(max) && max >= 1 && max <= 10;
    if (!minValid) {
      issues.push({
        path: [...path, 'min_values'],
        code: 'NUMBER_TYPE_MAX',
        message: 'int value should be <= 10.',
      });
    }
    if (!maxValid) {
      issues.push({
        path: [...path, 'max_values'],
        code: 'NUMBER_TYPE_MAX',
        message: 'int value should be <= 10.',
      });
    }
    if (minValid && maxValid && min > max) {
      issues.push({
        path: [...path, 'min_values'],
        code: 'BASE_TYPE_BAD_VALUE',
        message: 'min_values must be less than or equal to max_values',
      });
    }
    const types = upload['file_types'];
    if (types !== undefined && (!Array.isArray(types) || types.length > 10)) {
      issues.push(tooLong([...path, 'file_types'], 10));
    }
  };
  components.forEach((component, i) => {
    const path = ['data', 'components', i];
    if (!isObject(component)) {
      issues.push(required(path));
      return;
    }
    switch (component['type']) {
      case 18: {
        checkString(issues, component['label'], [...path, 'label'], 1, LIMITS.labelLabel, true);
        checkString(
          issues,
          component['description'],
          [...path, 'description'],
          0,
          LIMITS.labelDescription,
          false,
        );
        const child = component['component'];
        const childPath = [...path, 'component'];
        if (!isObject(child) || !LABEL_CHILDREN.has(child['type'] as number)) {
          issues.push(choices([...childPath, 'type'], [...LABEL_CHILDREN]));
        } else if (child['type'] === 4) {
          textInput(child, childPath, false);
        } else {
          customId(child['custom_id'], [...childPath, 'custom_id']);
          if (child['type'] === 19) fileUpload(child, childPath);
        }
        return;
      }
      case 10:
        checkString(issues, component['content'], [...path, 'content'], 1, LIMITS.textDisplayContent, true);
        return;
      case 1: {
        const inner = component['components'];
        if (!Array.isArray(inner) || inner.length !== 1 || !isObject(inner[0]) || inner[0]['type'] !== 4) {
          issues.push(badLength([...path, 'components'], 1, 1));
          return;
        }
        textInput(inner[0], [...path, 'components', 0], true);
        return;
      }
      default:
        issues.push(choices([...path, 'type'], [1, 10, 18]));
    }
  });
  return issues;
}

/** Start Thread: name 1–100 characters, auto_archive_duration one of 60/1440/4320/10080. */
export function checkThreadBody(body: Json, withoutMessage: boolean): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  checkString(issues, body['name'], ['name'], 1, LIMITS.threadName, true);
  const duration = body['auto_archive_duration'];
  if (duration !== undefined && !AUTO_ARCHIVE_DURATIONS.includes(duration as 60)) {
    issues.push(choices(['auto_archive_duration'], AUTO_ARCHIVE_DURATIONS));
  }
  // In API v10 the type of a thread started without a message is required.
  if (withoutMessage && body['type'] !== 10 && body['type'] !== 11 && body['type'] !== 12) {
    issues.push(choices(['type'], [10, 11, 12]));
  }
  return issues;
}

const COMMAND_NAME = /^[-_'\p{L}\p{N}\p{sc=Deva}\p{sc=Thai}]{1,32}$/u;

/** Bulk overwrite of application commands: names, descriptions, ≤25 options and choices, no duplicates. */
export function checkCommands(body: unknown): ValidationIssue[] {
  if (!Array.isArray(body)) return [{ path: [], code: 'BASE_TYPE_ARRAY', message: 'Must be an array.' }];
  const issues: ValidationIssue[] = [];
  if (body.length > 100) issues.push(tooLong([], 100));
  const names = new Set<string>();
  const checkName = (name: unknown, path: Path): void => {
    if (typeof name !== 'string' || !COMMAND_NAME.test(name) || name !== name.toLowerCase()) {
      issues.push({
        path,
        code: 'APPLICATION_COMMAND_INVALID_NAME',
        message: `Command name is invalid: ${JSON.stringify(name)}`,
      });
    }
  };
  const checkOptions = (options: unknown, path: Path): void => {
    if (options === undefined) return;
    if (!Array.isArray(options)) {
      issues.push({ path, code: 'BASE_TYPE_ARRAY', message: 'Must be an array.' });
      return;
    }
    if (options.length > LIMITS.commandOptions) issues.push(tooLong(path, LIMITS.commandOptions));
    let optionalSeen = false;
    const optionNames = new Set<string>();
    options.forEach((option, i) => {
      const optionPath = [...path, i];
      if (!isObject(option)) return;
      checkName(option['name'], [...optionPath, 'name']);
      if (typeof option['name'] === 'string') {
        if (optionNames.has(option['name'])) {
          issues.push({
            path: [...optionPath, 'name'],
            code: 'APPLICATION_COMMAND_OPTION_NAME_ALREADY_EXISTS',
            message: 'Option names must be unique',
          });
        }
        optionNames.add(option['name']);
      }
      checkString(issues, option['description'], [...optionPath, 'description'], 1, 100, true);
      if (option['type'] === 1 || option['type'] === 2) {
        checkOptions(option['options'], [...optionPath, 'options']);
        return;
      }
      if (option['required'] === true && optionalSeen) {
        issues.push({
          path: [...optionPath, 'required'],
          code: 'APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID',
          message: 'Required options must be placed before non-required options',
        });
      }
      if (option['required'] !== true) optionalSeen = true;
      const list = option['choices'];
      if (Array.isArray(list) && list.length > 25) issues.push(tooLong([...optionPath, 'choices'], 25));
      if (Array.isArray(list) && list.length > 0 && option['autocomplete'] === true) {
        issues.push({
          path: [...optionPath, 'autocomplete'],
          code: 'APPLICATION_COMMAND_OPTION_CHOICES_AUTOCOMPLETE',
          message: 'Autocomplete cannot be set with choices',
        });
      }
    });
  };
  body.forEach((command, i) => {
    if (!isObject(command)) {
      issues.push(required([i]));
      return;
    }
    const type = command['type'] ?? 1;
    if (type === 1) {
      checkName(command['name'], [i, 'name']);
      checkString(issues, command['description'], [i, 'description'], 1, 100, true);
    } else {
      checkString(issues, command['name'], [i, 'name'], 1, 32, true);
    }
    const key = JSON.stringify([type, command['name']]);
    if (names.has(key)) {
      issues.push({
        path: [i, 'name'],
        code: 'APPLICATION_COMMAND_ALREADY_EXISTS',
        message: 'Application command names must be unique',
      });
    }
    names.add(key);
    checkOptions(command['options'], [i, 'options']);
  });
  return issues;
}
