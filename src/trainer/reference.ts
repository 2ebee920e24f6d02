import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * The sd-scripts facts Kiln writes configs against, read from two tables taken from sd-scripts' own parsers
 * (`options.tsv`: every option the training scripts' argparse parsers accept; `dataset-keys.tsv`: the dataset
 * TOML keys by level), so configs are checked against what sd-scripts really accepts. Each table names the
 * sd-scripts commit it describes.
 */

export type OptionKind = 'flag' | 'str' | 'path' | 'int' | 'float' | 'int_or_float';
export type TrainingScript = 'train_network.py' | 'sdxl_train_network.py';

/** `both`: train_network.py and sdxl_train_network.py; otherwise the one script that accepts the option. */
export type AppliesTo = 'both' | 'sd1' | 'sdxl' | 'flux';
const APPLIES_TO: ReadonlySet<string> = new Set<AppliesTo>(['both', 'sd1', 'sdxl', 'flux']);
const ONLY_SCRIPT: Record<Exclude<AppliesTo, 'both'>, string> = {
  sd1: 'train_network.py',
  sdxl: 'sdxl_train_network.py',
  flux: 'flux_train_network.py',
};

export interface OptionSpec {
  /** Without the leading `--`. */
  name: string;
  kind: OptionKind;
  /** nargs=*: a list of values. */
  list: boolean;
  /** Allowed values as argparse prints them; `None` is the Python default, not a value one can pass. */
  choices: string[] | null;
  default: string;
  /** Which parser accepts it: both SD scripts, or one script only. */
  appliesTo: AppliesTo;
}

export type DatasetValueKind =
  'int' | 'bool' | 'str' | 'float' | 'number' | 'int-or-pair' | 'float-pair' | 'table';

export interface DatasetKeySpec {
  key: string;
  kind: DatasetValueKind;
  required: boolean;
}

/** Key groups A–G of the dataset schema, each a map of key → spec. */
export type DatasetGroups = Record<'A' | 'B' | 'C' | 'D' | 'E' | 'F' | 'G', Map<string, DatasetKeySpec>>;

export interface SdScriptsReference {
  options: Map<string, OptionSpec>;
  dataset: DatasetGroups;
}

const KINDS: Record<string, OptionKind> = {
  flag: 'flag',
  str: 'str',
  Path: 'path',
  int: 'int',
  float: 'float',
  int_or_float: 'int_or_float',
};

export function parseOptionsTsv(text: string): Map<string, OptionSpec> {
  const options = new Map<string, OptionSpec>();
  const rows = dataRows(text);
  const header = rows.shift();
  if (header?.split('\t')[0] !== 'option') throw new Error('options.tsv: missing header row');
  for (const row of rows) {
    const [option, type, defaultValue, appliesTo] = row.split('\t');
    if (!option?.startsWith('--') || type === undefined || appliesTo === undefined) {
      throw new Error(`options.tsv: cannot read row ${JSON.stringify(row)}`);
    }
    const base = type.split(/[\s(]/)[0] ?? '';
    const kind = KINDS[base];
    if (!kind) throw new Error(`options.tsv: unknown type ${JSON.stringify(type)} for ${option}`);
    const choices = /choices=(\S+)/.exec(type)?.[1]?.split('|') ?? null;
    if (!APPLIES_TO.has(appliesTo)) {
      throw new Error(`options.tsv: unknown applies_to ${JSON.stringify(appliesTo)} for ${option}`);
    }
    options.set(option.slice(2), {
      name: option.slice(2),
      kind,
      list: type.includes('nargs=*'),
      choices,
      default: defaultValue ?? '',
      appliesTo: appliesTo as AppliesTo,
    });
  }
  return options;
}

/** The schema names of sd-scripts' ConfigSanitizer, as the groups Kiln's checks use (A dataset level … G masks). */
const SCHEMA_GROUPS: Record<string, keyof DatasetGroups | null> = {
  dataset: 'A',
  subset: 'B',
  caption_dropout: 'C',
  dreambooth_ascendable: 'D',
  dreambooth_subset: 'E',
  finetune_subset: 'F',
  controlnet_ascendable: 'G',
  controlnet_subset: 'G',
  // Command-line only: not keys of a dataset TOML.
  argparse_specific: null,
};

/** voluptuous value types as the generator prints them. */
const SCHEMA_KINDS: Record<string, DatasetValueKind> = {
  int: 'int',
  bool: 'bool',
  str: 'str',
  float: 'float',
  'float or int': 'number',
  'int or [int, int]': 'int-or-pair',
  '[float, float]': 'float-pair',
  dict: 'table',
  'None or int': 'int',
};

/** Reads `dataset-keys.tsv` (generated from sd-scripts' ConfigSanitizer): schema, key, value type, required. */
export function parseDatasetKeysTsv(text: string): DatasetGroups {
  const groups: DatasetGroups = {
    A: new Map(),
    B: new Map(),
    C: new Map(),
    D: new Map(),
    E: new Map(),
    F: new Map(),
    G: new Map(),
  };
  const rows = dataRows(text);
  if (rows.shift()?.split('\t')[0] !== 'group') throw new Error('dataset-keys.tsv: missing header row');
  for (const row of rows) {
    const [schema, key, type, required] = row.split('\t');
    const group = schema === undefined ? undefined : SCHEMA_GROUPS[schema];
    const kind = type === undefined ? undefined : SCHEMA_KINDS[type];
    if (group === undefined || !key || !kind || (required !== 'yes' && required !== 'no')) {
      throw new Error(`dataset-keys.tsv: cannot read row ${JSON.stringify(row)}`);
    }
    if (group === null) continue;
    groups[group].set(key, { key, kind, required: required === 'yes' });
  }
  for (const [name, group] of Object.entries(groups)) {
    if (group.size === 0) throw new Error(`dataset-keys.tsv: key group ${name} not found`);
  }
  return groups;
}

/** Non-empty lines that are not `#` comments (the files name their source in comments). */
function dataRows(text: string): string[] {
  return text.split(/\r?\n/).filter((line) => line.trim() !== '' && !line.startsWith('#'));
}

/** Reads both reference tables from a folder (the repository keeps them in `test/fixtures/sd-scripts`). */
export async function loadSdScriptsReference(dir: string): Promise<SdScriptsReference> {
  const [options, datasetKeys] = await Promise.all([
    readFile(join(dir, 'options.tsv'), 'utf8'),
    readFile(join(dir, 'dataset-keys.tsv'), 'utf8'),
  ]);
  return { options: parseOptionsTsv(options), dataset: parseDatasetKeysTsv(datasetKeys) };
}

function describe(value: unknown): string {
  if (typeof value === 'bigint') return `integer ${value}`;
  if (typeof value === 'number') return `float ${value}`;
  if (typeof value === 'string') return `string ${JSON.stringify(value)}`;
  if (Array.isArray(value)) return 'array';
  if (value === null || value === undefined) return String(value);
  if (typeof value === 'object') return 'table';
  return typeof value === 'boolean' ? `boolean ${value}` : typeof value;
}

function optionValueMatches(kind: OptionKind, value: unknown): boolean {
  switch (kind) {
    case 'flag':
      return typeof value === 'boolean';
    case 'int':
      return typeof value === 'bigint';
    case 'float':
    case 'int_or_float':
      return typeof value === 'number' || typeof value === 'bigint';
    case 'str':
    case 'path':
      return typeof value === 'string';
  }
}

/**
 * Checks a `--config_file` TOML (parsed with `integersAsBigInt: true`, so integers and floats stay apart) against
 * the options the script's parser accepts. One level of tables is flattened, as sd-scripts does. sd-scripts itself
 * silently ignores unknown keys and does not convert types, which is exactly why we check: a typo would be lost.
 */
export function validateConfigToml(
  config: Record<string, unknown>,
  reference: SdScriptsReference,
  script: TrainingScript,
): string[] {
  const problems: string[] = [];
  const flat: Array<[string, unknown]> = [];
  for (const [key, value] of Object.entries(config)) {
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      for (const [inner, innerValue] of Object.entries(value as Record<string, unknown>))
        flat.push([inner, innerValue]);
    } else flat.push([key, value]);
  }
  for (const [key, value] of flat) {
    const spec = reference.options.get(key);
    if (!spec) {
      problems.push(`${key}: not an option of ${script} (sd-scripts would silently ignore it)`);
      continue;
    }
    if (spec.appliesTo !== 'both' && ONLY_SCRIPT[spec.appliesTo] !== script) {
      problems.push(`${key}: only ${ONLY_SCRIPT[spec.appliesTo]} accepts it`);
      continue;
    }
    if (spec.list) {
      if (!Array.isArray(value)) {
        problems.push(`${key}: expected a list (nargs=*), got ${describe(value)}`);
        continue;
      }
      for (const item of value as unknown[]) {
        if (!optionValueMatches(spec.kind, item))
          problems.push(`${key}: list item ${describe(item)} is not ${spec.kind}`);
      }
      continue;
    }
    if (!optionValueMatches(spec.kind, value)) {
      problems.push(`${key}: expected ${spec.kind}, got ${describe(value)}`);
      continue;
    }
    if (spec.choices && !spec.choices.filter((choice) => choice !== 'None').includes(String(value))) {
      problems.push(`${key}: ${JSON.stringify(String(value))} is not one of ${spec.choices.join(', ')}`);
    }
  }
  return problems;
}

function datasetValueMatches(kind: DatasetValueKind, value: unknown): boolean {
  const isInt = (v: unknown): boolean => typeof v === 'bigint';
  const isFloat = (v: unknown): boolean => typeof v === 'number';
  switch (kind) {
    case 'int':
      return isInt(value);
    case 'bool':
      return typeof value === 'boolean';
    case 'str':
      return typeof value === 'string';
    case 'float':
      return isFloat(value);
    case 'number':
      return isFloat(value) || isInt(value);
    case 'int-or-pair':
      return isInt(value) || (Array.isArray(value) && value.length === 2 && value.every(isInt));
    case 'float-pair':
      return Array.isArray(value) && value.length === 2 && value.every((v) => isFloat(v) || isInt(v));
    case 'table':
      return value !== null && typeof value === 'object' && !Array.isArray(value);
  }
}

type Level = Map<string, DatasetKeySpec>;

function merge(...groups: Level[]): Level {
  const merged = new Map<string, DatasetKeySpec>();
  for (const group of groups) for (const [key, spec] of group) merged.set(key, spec);
  return merged;
}

function checkLevel(
  value: unknown,
  allowed: Level,
  path: string,
  problems: string[],
  extra: readonly string[] = [],
): Record<string, unknown> | null {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    problems.push(`expected a table @ ${path}`);
    return null;
  }
  const table = value as Record<string, unknown>;
  for (const [key, item] of Object.entries(table)) {
    if (extra.includes(key)) continue;
    const spec = allowed.get(key);
    if (!spec) problems.push(`extra keys not allowed @ ${path}['${key}']`);
    else if (!datasetValueMatches(spec.kind, item)) {
      problems.push(`expected ${spec.kind} for dictionary value @ ${path}['${key}'] (got ${describe(item)})`);
    }
  }
  for (const spec of allowed.values()) {
    if (spec.required && !(spec.key in table))
      problems.push(`required key not provided @ ${path}['${spec.key}']`);
  }
  return table;
}

/**
 * Checks a `--dataset_config` TOML against the ConfigSanitizer schema described in the reference: only `general`
 * and `datasets` at the top, the allowed key groups per level, value types, required keys. Messages follow
 * voluptuous's "extra keys not allowed @ data[...]" wording that sd-scripts prints.
 */
export function validateDatasetToml(
  dataset: Record<string, unknown>,
  reference: SdScriptsReference,
  options: { maskedLoss?: boolean } = {},
): string[] {
  const { A, B, C, D, E, F, G } = reference.dataset;
  const problems: string[] = [];
  const maskedExtras = new Map<string, DatasetKeySpec>();
  for (const key of ['caption_extension', 'cache_info']) {
    const spec = D.get(key);
    if (spec) maskedExtras.set(key, spec);
  }
  const general = merge(A, B, C, D, options.maskedLoss ? maskedExtras : new Map<string, DatasetKeySpec>());
  for (const key of Object.keys(dataset)) {
    if (key !== 'general' && key !== 'datasets') problems.push(`extra keys not allowed @ data['${key}']`);
  }
  if ('general' in dataset) checkLevel(dataset.general, general, "data['general']", problems);
  const datasets = dataset.datasets;
  if (datasets === undefined) return problems;
  if (!Array.isArray(datasets)) {
    problems.push("expected a list @ data['datasets']");
    return problems;
  }
  datasets.forEach((entry: unknown, index) => {
    const path = `data['datasets'][${index}]`;
    const subsets: unknown =
      entry !== null && typeof entry === 'object' ? (entry as Record<string, unknown>).subsets : undefined;
    const subsetList = Array.isArray(subsets) ? (subsets as unknown[]) : [];
    if (subsets !== undefined && !Array.isArray(subsets))
      problems.push(`expected a list @ ${path}['subsets']`);
    const hasKey = (key: string) => (subset: unknown) =>
      subset !== null && typeof subset === 'object' && key in (subset as Record<string, unknown>);
    const fineTuning = subsetList.length > 0 && subsetList.every(hasKey('metadata_file'));
    const masked =
      options.maskedLoss === true &&
      subsetList.length > 0 &&
      subsetList.every(hasKey('conditioning_data_dir'));
    if (!fineTuning && subsetList.some(hasKey('metadata_file'))) {
      problems.push(`subsets of one dataset must all be the same kind (some have metadata_file) @ ${path}`);
    }
    const datasetLevel = masked
      ? merge(A, B, C, maskedExtras)
      : fineTuning
        ? merge(A, B, C)
        : merge(A, B, C, D);
    const subsetLevel = masked ? merge(B, C, G) : fineTuning ? merge(B, C, F) : merge(B, C, D, E);
    checkLevel(entry, datasetLevel, path, problems, ['subsets']);
    subsetList.forEach((subset, subsetIndex) =>
      checkLevel(subset, subsetLevel, `${path}['subsets'][${subsetIndex}]`, problems),
    );
  });
  return problems;
}
