// The fake sd-scripts: `train_network.py` / `sdxl_train_network.py`'s command-line contract without a GPU or
// Python. See README.md in this folder for what it checks, what it prints and how to make it fail.
import { Buffer } from 'node:buffer';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, statSync, mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { basename, extname, join, resolve } from 'node:path';
import process from 'node:process';
import { setImmediate } from 'node:timers';
import { setTimeout as sleep } from 'node:timers/promises';
import { URL, fileURLToPath } from 'node:url';
import { TextDecoder } from 'node:util';
import sharp from 'sharp';
import { parse as parseToml } from 'smol-toml';

const here = fileURLToPath(new URL('.', import.meta.url));
// sd-scripts' option and dataset tables, kept in the repository beside the other fixtures.
const referenceDir = process.env.KILN_FAKE_SDS_REFERENCE_DIR ?? resolve(here, '../../fixtures/sd-scripts');

// ---------------------------------------------------------------------------------------------- output helpers

const out = (text) => process.stdout.write(text);
const err = (text) => process.stderr.write(text);

function timestamp() {
  return new Date().toISOString().replace('T', ' ').slice(0, 19);
}

/** A logging line as rich's handler prints it on stderr: time, level, message, source. */
function log(level, message, source = 'train_network.py:1') {
  err(`${timestamp()} ${level.padEnd(8)} ${message}    ${source}\n`);
}

/** An uncaught Python exception: traceback on stderr, exit code 1. */
function raise(type, message) {
  err(
    'Traceback (most recent call last):\n' +
      `  File "${process.argv[1]}", line 1, in <module>\n` +
      `${type}: ${message}\n`,
  );
  process.exit(1);
}

/** Python's repr() of a float: shortest round-trip digits, exponent outside 1e-4 ≤ |x| < 1e16. */
export function pyFloat(value) {
  if (Number.isNaN(value)) return 'nan';
  if (!Number.isFinite(value)) return value > 0 ? 'inf' : '-inf';
  if (value === 0) return Object.is(value, -0) ? '-0.0' : '0.0';
  const [mantissa, exponentText] = value.toExponential().split('e');
  const exponent = Number(exponentText);
  const negative = mantissa.startsWith('-');
  const digits = mantissa.replace('-', '').replace('.', '');
  let text;
  if (exponent < -4 || exponent >= 16) {
    const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    text = `${m}e${exponent < 0 ? '-' : '+'}${String(Math.abs(exponent)).padStart(2, '0')}`;
  } else if (exponent < 0) {
    text = `0.${'0'.repeat(-exponent - 1)}${digits}`;
  } else if (digits.length <= exponent + 1) {
    text = `${digits}${'0'.repeat(exponent + 1 - digits.length)}.0`;
  } else {
    text = `${digits.slice(0, exponent + 1)}.${digits.slice(exponent + 1)}`;
  }
  return negative ? `-${text}` : text;
}

/** Python's str() of a value as argparse/TOML would have produced it. */
function pyStr(value) {
  if (value === null || value === undefined) return 'None';
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (typeof value === 'bigint') return String(value);
  if (value instanceof PyInt) return String(value.value);
  if (typeof value === 'number') return pyFloat(value);
  if (Array.isArray(value))
    return `[${value.map((item) => (typeof item === 'string' ? `'${item}'` : pyStr(item))).join(', ')}]`;
  return String(value);
}

/** Numbers from the command line or TOML, keeping Python's int/float distinction. */
class PyInt {
  constructor(value) {
    this.value = Number(value);
  }
  toString() {
    return String(this.value);
  }
}
const num = (value) =>
  value instanceof PyInt ? value.value : typeof value === 'bigint' ? Number(value) : value;
const str = (value) =>
  value instanceof PyInt ? String(value.value) : typeof value === 'number' ? pyFloat(value) : pyStr(value);

// ------------------------------------------------------------------------------------------- reference files

/** Lines of a reference table without blank lines and `#` comments, header row first. */
function tableRows(file) {
  return readFileSync(join(referenceDir, file), 'utf8')
    .split(/\r?\n/)
    .filter((line) => line.trim() !== '' && !line.startsWith('#'));
}

function loadOptions() {
  const rows = tableRows('options.tsv');
  rows.shift();
  const options = new Map();
  for (const row of rows) {
    const [option, type, defaultText, appliesTo] = row.split('\t');
    const base = type.split(/[\s(]/)[0];
    const choices = /choices=(\S+)/.exec(type)?.[1]?.split('|') ?? null;
    options.set(option.slice(2), {
      name: option.slice(2),
      kind: base,
      list: type.includes('nargs=*'),
      choices,
      defaultText,
      appliesTo,
    });
  }
  return options;
}

/** ConfigSanitizer's schemas as the groups the checks below use (argparse-only keys are not TOML keys). */
const SCHEMA_GROUPS = {
  dataset: 'A',
  subset: 'B',
  caption_dropout: 'C',
  dreambooth_ascendable: 'D',
  dreambooth_subset: 'E',
  finetune_subset: 'F',
  controlnet_ascendable: 'G',
  controlnet_subset: 'G',
  argparse_specific: null,
};
const SCHEMA_KINDS = {
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

function loadDatasetGroups() {
  const rows = tableRows('dataset-keys.tsv');
  rows.shift();
  const groups = {
    A: new Map(),
    B: new Map(),
    C: new Map(),
    D: new Map(),
    E: new Map(),
    F: new Map(),
    G: new Map(),
  };
  for (const row of rows) {
    const [schema, key, type, required] = row.split('\t');
    const group = SCHEMA_GROUPS[schema];
    if (group) groups[group].set(key, { key, type: SCHEMA_KINDS[type], required: required === 'yes' });
  }
  return groups;
}

// ------------------------------------------------------------------------------------------------- argparse

function usageError(script, message) {
  err(`usage: ${script} [-h] [--config_file CONFIG_FILE] [--dataset_config DATASET_CONFIG] [...]\n`);
  err(`${script}: error: ${message}\n`);
  process.exit(2);
}

function pyInt(text) {
  return /^\s*[-+]?\d+(_\d+)*\s*$/.test(text) ? new PyInt(Number(text.replace(/_/g, ''))) : null;
}

function pyFloatParse(text) {
  const t = text.trim().toLowerCase();
  if (/^[-+]?(nan|inf|infinity)$/.test(t))
    return t.includes('nan') ? Number.NaN : t.startsWith('-') ? -Infinity : Infinity;
  return /^[-+]?(\d+(_\d+)*\.?(\d+(_\d+)*)?|\.\d+(_\d+)*)(e[-+]?\d+)?$/.test(t)
    ? Number(t.replace(/_/g, ''))
    : null;
}

function convert(script, spec, text) {
  let value;
  switch (spec.kind) {
    case 'int':
      value = pyInt(text);
      if (value === null) usageError(script, `argument --${spec.name}: invalid int value: '${text}'`);
      break;
    case 'float':
      value = pyFloatParse(text);
      if (value === null) usageError(script, `argument --${spec.name}: invalid float value: '${text}'`);
      break;
    case 'int_or_float':
      value = pyInt(text) ?? pyFloatParse(text);
      if (value === null)
        usageError(script, `argument --${spec.name}: invalid int_or_float value: '${text}'`);
      break;
    default:
      value = text;
  }
  if (spec.choices) {
    const allowed = spec.choices.filter((choice) => choice !== 'None');
    if (!allowed.includes(String(num(value)))) {
      usageError(
        script,
        `argument --${spec.name}: invalid choice: ${spec.kind === 'int' ? num(value) : `'${text}'`} (choose from ${spec.choices.map((c) => (spec.kind === 'int' ? c : `'${c}'`)).join(', ')})`,
      );
    }
  }
  return value;
}

function defaultValue(spec) {
  const text = spec.defaultText;
  if (spec.kind === 'flag') return false;
  if (text === 'None' || text === undefined) return null;
  if (text === '""') return '';
  if (spec.kind === 'int') return new PyInt(Number(text));
  if (spec.kind === 'int_or_float' && /^\d+$/.test(text)) return new PyInt(Number(text));
  if (spec.kind === 'float' || spec.kind === 'int_or_float') return Number(text);
  return text;
}

/** argparse: exact names or unambiguous prefixes, `--opt value` or `--opt=value`, nargs=* lists. */
function parseArgv(script, argv, options) {
  const given = new Map();
  const extras = [];
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i];
    if (token === '-h' || token === '--help') {
      out(
        `usage: ${script} [-h] [options]\n\noptions:\n${[...options.keys()].map((k) => `  --${k}`).join('\n')}\n`,
      );
      process.exit(0);
    }
    if (!token.startsWith('--') || token === '--') {
      extras.push(token);
      continue;
    }
    const eq = token.indexOf('=');
    const name = eq === -1 ? token.slice(2) : token.slice(2, eq);
    const inline = eq === -1 ? undefined : token.slice(eq + 1);
    let spec = options.get(name);
    if (!spec) {
      const candidates = [...options.keys()].filter((key) => key.startsWith(name));
      if (candidates.length > 1) {
        usageError(
          script,
          `ambiguous option: --${name} could match ${candidates.map((c) => `--${c}`).join(', ')}`,
        );
      }
      spec = candidates.length === 1 ? options.get(candidates[0]) : undefined;
    }
    if (!spec) {
      extras.push(token);
      continue;
    }
    if (spec.kind === 'flag') {
      if (inline !== undefined)
        usageError(script, `argument --${spec.name}: ignored explicit argument '${inline}'`);
      given.set(spec.name, true);
    } else if (spec.list) {
      const values = inline !== undefined ? [inline] : [];
      while (inline === undefined && i + 1 < argv.length && !argv[i + 1].startsWith('--'))
        values.push(argv[++i]);
      given.set(
        spec.name,
        values.map((value) => convert(script, spec, value)),
      );
    } else {
      let text = inline;
      if (text === undefined) {
        const next = argv[i + 1];
        if (next === undefined || (next.startsWith('--') && next !== '--')) {
          usageError(script, `argument --${spec.name}: expected one argument`);
        }
        text = argv[++i];
      }
      given.set(spec.name, convert(script, spec, text));
    }
  }
  if (extras.length > 0) usageError(script, `unrecognized arguments: ${extras.join(' ')}`);
  return given;
}

// ------------------------------------------------------------------------------------------ --config_file

function tomlType(value) {
  if (typeof value === 'bigint') return 'int';
  if (typeof value === 'number') return 'float';
  if (typeof value === 'string') return 'str';
  if (typeof value === 'boolean') return 'bool';
  if (Array.isArray(value)) return 'list';
  return 'dict';
}

function fromToml(value) {
  if (typeof value === 'bigint') return new PyInt(Number(value));
  if (Array.isArray(value)) return value.map(fromToml);
  return value;
}

/**
 * sd-scripts flattens one level of tables and puts the values into argparse's namespace unconverted; unknown keys
 * are ignored. The fake is stricter on types than Python would be (it raises where sd-scripts would fail later or
 * misbehave), and it notes unknown keys on stderr.
 */
function readConfigFile(path, options, sdxl) {
  const configPath = path.endsWith('.toml') ? path : `${path}.toml`;
  if (!existsSync(configPath)) {
    log('INFO', `${configPath} not found.`);
    process.exit(1);
  }
  log('INFO', `Loading settings from ${configPath}...`);
  let parsed;
  try {
    parsed = parseToml(readFileSync(configPath, 'utf8'), { integersAsBigInt: true });
  } catch (error) {
    raise('toml.decoder.TomlDecodeError', String(error.message).split('\n')[0]);
  }
  const flat = new Map();
  for (const [key, value] of Object.entries(parsed)) {
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      for (const [inner, innerValue] of Object.entries(value)) flat.set(inner, innerValue);
    } else flat.set(key, value);
  }
  const values = new Map();
  for (const [key, value] of flat) {
    const spec = options.get(key);
    if (!spec || (spec.appliesTo !== 'both' && spec.appliesTo !== (sdxl ? 'sdxl' : 'sd1'))) {
      err(
        `fake-sd-scripts: note: config key '${key}' is not an option of this script; sd-scripts ignores it silently\n`,
      );
      continue;
    }
    const type = tomlType(value);
    const expected = spec.list
      ? ['list']
      : {
          flag: ['bool'],
          int: ['int'],
          float: ['float', 'int'],
          int_or_float: ['float', 'int'],
          str: ['str'],
          Path: ['str'],
        }[spec.kind];
    if (!expected.includes(type)) {
      if (key === 'resolution') raise('AttributeError', `'${type}' object has no attribute 'split'`);
      raise(
        'TypeError',
        `config value ${key} = ${pyStr(value)} has type ${type}; ${spec.kind}${spec.list ? ' list' : ''} expected`,
      );
    }
    if (spec.list) {
      const itemType = spec.kind === 'float' ? ['float', 'int'] : ['str'];
      for (const item of value) {
        if (!itemType.includes(tomlType(item)))
          raise('TypeError', `config value ${key} has an item of type ${tomlType(item)}`);
      }
    }
    if (spec.choices && !spec.list) {
      const allowed = spec.choices.filter((choice) => choice !== 'None');
      if (!allowed.includes(String(value)))
        raise('ValueError', `${key} = ${pyStr(value)} is not one of ${spec.choices.join(', ')}`);
    }
    values.set(key, fromToml(value));
  }
  return values;
}

// --------------------------------------------------------------------------------------- --dataset_config

/** Whether a TOML value has a dataset key's kind (the kinds of dataset-keys.tsv). */
function checkType(type, value) {
  const isInt = typeof value === 'bigint';
  const isFloat = typeof value === 'number';
  switch (type) {
    case 'int-or-pair':
      return (
        isInt || (Array.isArray(value) && value.length === 2 && value.every((v) => typeof v === 'bigint'))
      );
    case 'float-pair':
      return (
        Array.isArray(value) &&
        value.length === 2 &&
        value.every((v) => typeof v === 'number' || typeof v === 'bigint')
      );
    case 'number':
      return isInt || isFloat;
    case 'table':
      return value !== null && typeof value === 'object' && !Array.isArray(value);
    case 'int':
      return isInt;
    case 'float':
      return isFloat;
    case 'bool':
      return typeof value === 'boolean';
    case 'str':
      return typeof value === 'string';
    default:
      throw new Error(`fake: unknown dataset type ${type}`);
  }
}

/** The word voluptuous names in "expected <type>" for a kind. */
const TYPE_WORDS = { 'int-or-pair': 'int', 'float-pair': 'list', number: 'float', table: 'dict' };

function merged(groups, names, extra = []) {
  const map = new Map();
  for (const name of names) for (const [key, spec] of groups[name]) map.set(key, spec);
  for (const spec of extra) map.set(spec.key, spec);
  return map;
}

/** voluptuous, as ConfigSanitizer builds it; the first problem is what sd-scripts shows. */
function validateDataset(config, groups, maskedLoss) {
  const problems = [];
  const check = (table, allowed, path, skip = []) => {
    if (table === null || typeof table !== 'object' || Array.isArray(table)) {
      problems.push(`expected a dictionary @ ${path}`);
      return;
    }
    for (const [key, value] of Object.entries(table)) {
      if (skip.includes(key)) continue;
      const spec = allowed.get(key);
      if (!spec) problems.push(`extra keys not allowed @ ${path}['${key}']`);
      else if (!checkType(spec.type, value))
        problems.push(
          `expected ${TYPE_WORDS[spec.type] ?? spec.type} for dictionary value @ ${path}['${key}']`,
        );
    }
    for (const spec of allowed.values()) {
      if (spec.required && !(spec.key in table))
        problems.push(`required key not provided @ ${path}['${spec.key}']`);
    }
  };
  const maskedExtras = [groups.D.get('caption_extension'), groups.D.get('cache_info')].filter(Boolean);
  for (const key of Object.keys(config)) {
    if (key !== 'general' && key !== 'datasets') problems.push(`extra keys not allowed @ data['${key}']`);
  }
  if ('general' in config)
    check(
      config.general,
      merged(groups, ['A', 'B', 'C', 'D'], maskedLoss ? maskedExtras : []),
      "data['general']",
    );
  (Array.isArray(config.datasets) ? config.datasets : []).forEach((dataset, index) => {
    const subsets = Array.isArray(dataset?.subsets) ? dataset.subsets : [];
    const fine = subsets.length > 0 && subsets.every((s) => 'metadata_file' in s);
    const masked = maskedLoss && subsets.length > 0 && subsets.every((s) => 'conditioning_data_dir' in s);
    const path = `data['datasets'][${index}]`;
    if (!fine && subsets.some((s) => 'metadata_file' in s))
      problems.push(`not a valid value @ ${path}['subsets']`);
    const datasetLevel = masked
      ? merged(groups, ['A', 'B', 'C'], maskedExtras)
      : fine
        ? merged(groups, ['A', 'B', 'C'])
        : merged(groups, ['A', 'B', 'C', 'D']);
    const subsetLevel = masked
      ? merged(groups, ['B', 'C', 'G'])
      : fine
        ? merged(groups, ['B', 'C', 'F'])
        : merged(groups, ['B', 'C', 'D', 'E']);
    check(dataset, datasetLevel, path, ['subsets']);
    subsets.forEach((subset, i) => check(subset, subsetLevel, `${path}['subsets'][${i}]`));
  });
  if (config.datasets !== undefined && !Array.isArray(config.datasets))
    problems.push("expected list @ data['datasets']");
  return problems;
}

// ------------------------------------------------------------------------------------------------- dataset

const IMAGE_EXTENSIONS = ['png', 'jpg', 'jpeg', 'webp', 'bmp'];

function isImage(name) {
  const ext = extname(name).slice(1);
  return IMAGE_EXTENSIONS.includes(ext) || IMAGE_EXTENSIONS.map((e) => e.toUpperCase()).includes(ext);
}

function resolutionTuple(value) {
  if (value === null || value === undefined) return null;
  if (typeof value === 'bigint' || value instanceof PyInt) return [num(value), num(value)];
  if (Array.isArray(value)) return value.map(num);
  const parts = String(value)
    .split(',')
    .map((part) => Number(part.trim()));
  return parts.length === 1 ? [parts[0], parts[0]] : parts;
}

function pick(key, ...levels) {
  for (const level of levels) {
    if (level && level[key] !== undefined && level[key] !== null) return level[key];
  }
  return undefined;
}

function bucketResolutions(width, height, min, max, steps) {
  const area = width * height;
  const set = new Set();
  const square = Math.floor(Math.floor(Math.sqrt(area)) / steps) * steps;
  set.add(`${square},${square}`);
  for (let w = min; w <= max; w += steps) {
    const h = Math.min(max, Math.floor(Math.floor(area / w) / steps) * steps);
    if (h >= min) {
      set.add(`${w},${h}`);
      set.add(`${h},${w}`);
    }
  }
  return [...set].map((k) => k.split(',').map(Number)).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
}

// ---------------------------------------------------------------------------------------------- safetensors

function toHalf(value) {
  const f32 = new Float32Array([value]);
  const bits = new Uint32Array(f32.buffer)[0];
  const sign = (bits >>> 16) & 0x8000;
  const exponent = ((bits >>> 23) & 0xff) - 127 + 15;
  const mantissa = bits & 0x7fffff;
  if (exponent <= 0) return sign;
  if (exponent >= 31) return sign | 0x7c00;
  return sign | (exponent << 10) | (mantissa >>> 13);
}

function encodeScalar(value, dtype) {
  if (dtype === 'F16') {
    const b = Buffer.alloc(2);
    b.writeUInt16LE(toHalf(value));
    return b;
  }
  if (dtype === 'BF16') {
    const f = Buffer.alloc(4);
    f.writeFloatLE(value);
    return f.subarray(2, 4);
  }
  const b = Buffer.alloc(4);
  b.writeFloatLE(value);
  return b;
}

function writeSafetensors(path, metadata, tensors, dtype) {
  const width = dtype === 'F32' ? 4 : 2;
  const header = { __metadata__: metadata };
  const chunks = [];
  let offset = 0;
  for (const [name, shape, fill] of tensors) {
    const count = shape.reduce((a, b) => a * b, 1);
    const data = Buffer.alloc(count * width);
    if (fill !== 0) for (let i = 0; i < count; i++) encodeScalar(fill, dtype).copy(data, i * width);
    header[name] = { dtype, shape, data_offsets: [offset, offset + data.length] };
    chunks.push(data);
    offset += data.length;
  }
  let json = JSON.stringify(header);
  while (Buffer.byteLength(json) % 8 !== 0) json += ' ';
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(Buffer.byteLength(json)));
  writeFileSync(path, Buffer.concat([length, Buffer.from(json), ...chunks]));
}

// ------------------------------------------------------------------------------------------------- samples

/**
 * The colour of a sample image: SHA-256 of the prompt text (the part before " --"), first three bytes as RGB,
 * unless KILN_FAKE_SDS_SAMPLE_COLORS names a JSON file mapping the prompt text to "#rrggbb", or to
 * { "<epoch>": "#rrggbb", "default": "#rrggbb" } for a colour per epoch.
 */
export function sampleColour(prompt, epoch, overrides) {
  const rule = overrides?.[prompt];
  const fromRule = typeof rule === 'string' ? rule : rule ? (rule[String(epoch)] ?? rule.default) : undefined;
  if (fromRule) {
    const hex = fromRule.replace('#', '');
    return {
      r: parseInt(hex.slice(0, 2), 16),
      g: parseInt(hex.slice(2, 4), 16),
      b: parseInt(hex.slice(4, 6), 16),
    };
  }
  const digest = createHash('sha256').update(prompt, 'utf8').digest();
  return { r: digest[0], g: digest[1], b: digest[2] };
}

/** sd-scripts' line_to_prompt_dict: "prompt --n neg --w 512 --h 512 --d seed --l 7 --s 28". */
function parsePromptLine(line) {
  const parts = line.split(' --');
  const prompt = { prompt: parts[0], width: 512, height: 512, seed: null };
  for (const part of parts.slice(1)) {
    let m;
    if ((m = /^w (\d+)/i.exec(part))) prompt.width = Number(m[1]);
    else if ((m = /^h (\d+)/i.exec(part))) prompt.height = Number(m[1]);
    else if ((m = /^d (\d+)/i.exec(part))) prompt.seed = Number(m[1]);
  }
  return prompt;
}

function readPrompts(path) {
  if (!existsSync(path)) raise('FileNotFoundError', `[Errno 2] No such file or directory: '${path}'`);
  if (!path.endsWith('.txt')) raise('ValueError', `fake-sd-scripts reads only .txt prompt files: ${path}`);
  return readFileSync(path, 'utf8')
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line.length > 0 && !line.startsWith('#'))
    .map(parsePromptLine);
}

// ------------------------------------------------------------------------------------------------------ main

function fakeLoss(step) {
  return 0.06 + 0.08 * Math.exp(-step / 200) + 0.01 * Math.sin(step * 1.7);
}

function tqdmLine(step, total, elapsedSeconds, loss) {
  const percent = Math.floor((step / total) * 100);
  const filled = Math.floor((step / total) * 10);
  const bar = '█'.repeat(filled) + ' '.repeat(10 - filled);
  const clock = (s) =>
    `${String(Math.floor(s / 60)).padStart(2, '0')}:${String(Math.floor(s % 60)).padStart(2, '0')}`;
  const rate = step === 0 ? '?it/s' : `${(elapsedSeconds / step || 0.01).toFixed(2)}s/it`;
  const remaining = step === 0 ? '?' : clock((elapsedSeconds / step) * (total - step));
  const postfix =
    loss === undefined ? '' : `, avr_loss=${Number.isNaN(loss) ? 'nan' : Number(loss.toPrecision(3))}`;
  return `\rsteps: ${String(percent).padStart(3)}%|${bar}| ${step}/${total} [${clock(elapsedSeconds)}<${remaining}, ${rate}${postfix}]`;
}

export async function main(script) {
  const sdxl = script === 'sdxl_train_network.py';
  // Each script's parser: the shared options plus its own (flux_train_network.py's are never accepted here).
  const own = sdxl ? 'sdxl' : 'sd1';
  const options = new Map(
    [...loadOptions()].filter(([, spec]) => spec.appliesTo === 'both' || spec.appliesTo === own),
  );
  const given = parseArgv(script, process.argv.slice(2), options);
  const failMode = process.env.KILN_FAKE_SDS_FAIL ?? '';
  const stepMs = Number(process.env.KILN_FAKE_SDS_STEP_MS ?? 0);

  process.on('SIGINT', () => {
    if (process.env.KILN_FAKE_SDS_IGNORE_SIGINT === '1') return;
    err(
      'Traceback (most recent call last):\n  File "train_network.py", line 1, in <module>\nKeyboardInterrupt\n',
    );
    process.exit(130);
  });

  // Defaults, then --config_file values, then the command line (argparse's order).
  const args = new Map([...options.values()].map((spec) => [spec.name, defaultValue(spec)]));
  const configFile = given.get('config_file');
  if (configFile) for (const [key, value] of readConfigFile(configFile, options, sdxl)) args.set(key, value);
  for (const [key, value] of given) args.set(key, value);
  const arg = (key) => args.get(key);

  if (arg('output_config')) process.exit(0);
  if (sdxl && arg('v2')) raise('AssertionError', 'v2 cannot be enabled in SDXL training');
  if (sdxl && arg('cache_text_encoder_outputs')) {
    if (!arg('network_train_unet_only'))
      raise('AssertionError', 'network for Text Encoder cannot be trained with caching Text Encoder outputs');
    if (arg('shuffle_caption'))
      raise('AssertionError', 'shuffle_caption is not supported when caching text encoder outputs');
  }
  if (arg('caption_extention') && !arg('caption_extension'))
    args.set('caption_extension', arg('caption_extention'));

  // Dataset blueprint.
  const subsets = [];
  const datasetsMeta = [];
  let datasetConfigMode = false;
  const cliLevel = {
    resolution: arg('resolution'),
    batch_size: arg('train_batch_size'),
    enable_bucket: arg('enable_bucket'),
    min_bucket_reso: arg('min_bucket_reso'),
    max_bucket_reso: arg('max_bucket_reso'),
    bucket_reso_steps: arg('bucket_reso_steps'),
    bucket_no_upscale: arg('bucket_no_upscale'),
    caption_extension: arg('caption_extension'),
    shuffle_caption: arg('shuffle_caption'),
    keep_tokens: arg('keep_tokens'),
    num_repeats: arg('dataset_repeats'),
    color_aug: arg('color_aug'),
    flip_aug: arg('flip_aug'),
    random_crop: arg('random_crop'),
  };
  const datasets = [];
  let general = {};
  if (arg('dataset_config')) {
    datasetConfigMode = true;
    const path = String(arg('dataset_config'));
    if (!existsSync(path)) raise('FileNotFoundError', `[Errno 2] No such file or directory: '${path}'`);
    let config;
    try {
      if (path.endsWith('.toml')) config = parseToml(readFileSync(path, 'utf8'), { integersAsBigInt: true });
      else if (path.endsWith('.json')) config = JSON.parse(readFileSync(path, 'utf8'));
      else
        raise(
          'ValueError',
          `not supported config file format / 対応していない設定ファイルの形式です: ${path}`,
        );
    } catch (error) {
      raise('toml.decoder.TomlDecodeError', String(error.message).split('\n')[0]);
    }
    log('INFO', `Load dataset config from ${path}`, 'train_network.py:1');
    if (arg('train_data_dir') || arg('reg_data_dir') || arg('in_json')) {
      log(
        'WARNING',
        'ignoring the following options because config file is found: train_data_dir, reg_data_dir, in_json',
        'train_network.py:1',
      );
    }
    const problems = validateDataset(config, loadDatasetGroups(), arg('masked_loss'));
    if (problems.length > 0) {
      log('ERROR', 'Invalid user config / ユーザ設定の形式が正しくないようです', 'config_util.py:1');
      raise('voluptuous.error.MultipleInvalid', problems[0]);
    }
    for (const dataset of config.datasets ?? []) {
      const entry = { level: dataset, subsets: [] };
      for (const subset of dataset.subsets ?? []) entry.subsets.push({ level: subset });
      datasets.push(entry);
    }
    general = config.general ?? {};
  } else {
    const parent = arg('train_data_dir');
    const entry = { level: {}, subsets: [] };
    if (parent && existsSync(String(parent))) {
      for (const name of readdirSync(String(parent)).sort()) {
        const full = join(String(parent), name);
        if (!statSync(full).isDirectory()) continue;
        const [count, ...rest] = name.split('_');
        if (!/^\d+$/.test(count) || Number(count) < 1 || rest.length === 0) {
          log(
            'WARNING',
            `ignore directory without repeats / 繰り返し回数のないディレクトリを無視します: ${name}`,
          );
          continue;
        }
        entry.subsets.push({
          level: { image_dir: full, num_repeats: BigInt(count), class_tokens: rest.join('_') },
        });
      }
    }
    datasets.push(entry);
  }

  let totalImages = 0;
  const allSizes = [];
  for (const [index, dataset] of datasets.entries()) {
    const d = dataset.level;
    const resolution = resolutionTuple(pick('resolution', d, general, cliLevel));
    if (!resolution) raise('AssertionError', 'resolution is required / resolution（解像度）指定は必須です');
    const batchSize = num(pick('batch_size', d, general, cliLevel) ?? 1);
    const enableBucket = Boolean(pick('enable_bucket', d, general, cliLevel));
    let minBucket = num(pick('min_bucket_reso', d, general, cliLevel) ?? 256);
    let maxBucket = num(pick('max_bucket_reso', d, general, cliLevel) ?? 1024);
    const steps = num(pick('bucket_reso_steps', d, general, cliLevel) ?? 64);
    const divisor = sdxl ? 32 : 64;
    if (steps % divisor !== 0) {
      raise('AssertionError', `bucket_reso_steps is ${steps}. it must be divisible by ${divisor}.`);
    }
    if (enableBucket) {
      if (minBucket % steps !== 0) {
        const adjusted = Math.floor(minBucket / steps) * steps;
        log(
          'WARNING',
          `min_bucket_reso is adjusted to be multiple of bucket_reso_steps: ${minBucket} -> ${adjusted}`,
        );
        minBucket = adjusted;
      }
      if (maxBucket % steps !== 0) {
        const adjusted = Math.ceil(maxBucket / steps) * steps;
        log(
          'WARNING',
          `max_bucket_reso is adjusted to be multiple of bucket_reso_steps: ${maxBucket} -> ${adjusted}`,
        );
        maxBucket = adjusted;
      }
      if (minBucket > Math.min(...resolution))
        raise('AssertionError', 'min_bucket_reso must be equal or less than resolution');
      if (maxBucket < Math.max(...resolution))
        raise('AssertionError', 'max_bucket_reso must be equal or greater than resolution');
    }
    log('INFO', `[Dataset ${index}]`, 'config_util.py:1');
    const datasetSubsets = [];
    const tagFrequency = {};
    const sizes = [];
    for (const [subsetIndex, subset] of dataset.subsets.entries()) {
      const s = subset.level;
      const imageDir = String(s.image_dir);
      const repeats = num(pick('num_repeats', s, d, general, cliLevel) ?? 1);
      const captionExtension = String(pick('caption_extension', s, d, general, cliLevel) ?? '.caption');
      const keepTokens = num(pick('keep_tokens', s, d, general, cliLevel) ?? 0);
      const shuffle = Boolean(pick('shuffle_caption', s, d, general, cliLevel));
      const classTokens = pick('class_tokens', s, d, general) ?? null;
      let images = [];
      if (!existsSync(imageDir) || !statSync(imageDir).isDirectory()) {
        log('WARNING', `not directory: ${imageDir}`, 'train_util.py:1');
      } else {
        images = readdirSync(imageDir).filter(isImage).sort();
      }
      const frequency = {};
      for (const image of images) {
        const full = join(imageDir, image);
        const captionPath = join(imageDir, basename(image, extname(image)) + captionExtension);
        if (existsSync(captionPath)) {
          const bytes = readFileSync(captionPath);
          let text;
          try {
            text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
          } catch {
            raise(
              'UnicodeDecodeError',
              `illegal char in file (not UTF-8) / ファイルにUTF-8以外の文字があります: ${captionPath}`,
            );
          }
          const lines = text
            .split(/\r?\n/)
            .map((l) => l.trim())
            .filter((l) => l.length > 0);
          if (lines.length === 0)
            raise('AssertionError', `caption file is empty / キャプションファイルが空です: ${captionPath}`);
          for (const tag of lines[0]
            .split(',')
            .map((t) => t.trim())
            .filter(Boolean))
            frequency[tag] = (frequency[tag] ?? 0) + 1;
        } else if (!classTokens) {
          log(
            'WARNING',
            `neither caption file nor class tokens are found. use empty caption for ${full}`,
            'train_util.py:1',
          );
        }
        let meta;
        try {
          meta = await sharp(full).metadata();
        } catch (error) {
          raise('PIL.UnidentifiedImageError', `cannot identify image file '${full}' (${error.message})`);
        }
        sizes.push({ width: meta.width, height: meta.height, repeats });
      }
      tagFrequency[basename(imageDir)] = frequency;
      log('INFO', `  [Subset ${subsetIndex} of Dataset ${index}]`, 'config_util.py:1');
      log('INFO', `    image_dir: "${imageDir}"`, 'config_util.py:1');
      log('INFO', `    image_count: ${images.length}`, 'config_util.py:1');
      log('INFO', `    num_repeats: ${repeats}`, 'config_util.py:1');
      log('INFO', `    shuffle_caption: ${pyStr(shuffle)}`, 'config_util.py:1');
      log('INFO', `    keep_tokens: ${keepTokens}`, 'config_util.py:1');
      log('INFO', `    caption_extension: ${captionExtension}`, 'config_util.py:1');
      totalImages += images.length * repeats;
      datasetSubsets.push({
        img_count: images.length,
        num_repeats: repeats,
        color_aug: false,
        flip_aug: false,
        random_crop: false,
        shuffle_caption: shuffle,
        keep_tokens: keepTokens,
        image_dir: basename(imageDir),
        class_tokens: classTokens,
        is_reg: Boolean(s.is_reg),
      });
      subsets.push({ imageDir, images: images.length, repeats, keepTokens, shuffle, captionExtension });
    }
    // Buckets and batches, as sd-scripts counts them.
    const buckets = enableBucket
      ? bucketResolutions(resolution[0], resolution[1], minBucket, maxBucket, steps)
      : [[resolution[0], resolution[1]]];
    const counts = new Map();
    for (const size of sizes) {
      const ratio = size.width / size.height;
      let best = buckets[0];
      for (const bucket of buckets) {
        if (Math.abs(bucket[0] / bucket[1] - ratio) < Math.abs(best[0] / best[1] - ratio)) best = bucket;
      }
      const key = best.join('x');
      counts.set(key, (counts.get(key) ?? 0) + size.repeats);
    }
    let batches = 0;
    const bucketInfo = {};
    [...counts].forEach(([key, count], bucketIndex) => {
      batches += Math.ceil(count / batchSize);
      const [w, h] = key.split('x');
      if (enableBucket)
        log('INFO', `bucket ${bucketIndex}: resolution (${w}, ${h}), count: ${count}`, 'train_util.py:1');
      bucketInfo[bucketIndex] = { resolution: [Number(w), Number(h)], count };
    });
    allSizes.push(...sizes);
    datasetsMeta.push({
      is_dreambooth: true,
      batch_size_per_device: batchSize,
      num_train_images: sizes.reduce((sum, s) => sum + s.repeats, 0),
      num_reg_images: 0,
      resolution,
      enable_bucket: enableBucket,
      min_bucket_reso: minBucket,
      max_bucket_reso: maxBucket,
      tag_frequency: tagFrequency,
      bucket_info: { buckets: bucketInfo, mean_img_ar_error: 0 },
      subsets: datasetSubsets,
      batches,
      batchSize,
      resolutionTuple: resolution,
    });
  }

  if (failMode === 'nodata' || totalImages === 0) {
    log(
      'ERROR',
      'No data found. Please verify arguments (train_data_dir must be the parent of folders with images) / 画像がありません。引数指定を確認してください（train_data_dirには画像があるフォルダではなく、画像があるフォルダの親フォルダを指定する必要があります）',
    );
    process.exit(0);
  }

  // Model and network.
  const modelPath = arg('pretrained_model_name_or_path');
  if (!modelPath) raise('TypeError', 'expected str, bytes or os.PathLike object, not NoneType');
  if (!existsSync(String(modelPath))) {
    raise(
      'OSError',
      `${modelPath} is not a valid model file, a Diffusers folder, or a reachable Hugging Face model id`,
    );
  }
  const networkModule = arg('network_module');
  if (networkModule !== 'networks.lora' && networkModule !== 'lycoris.kohya') {
    raise('ModuleNotFoundError', `No module named '${networkModule}'`);
  }
  if (!arg('output_dir')) raise('TypeError', 'expected str, bytes or os.PathLike object, not NoneType');
  if (failMode === 'exit1') {
    log('INFO', 'prepare optimizer, data loader etc.');
    raise(
      'torch.OutOfMemoryError',
      'CUDA out of memory. Tried to allocate 2.00 GiB. GPU 0 has a total capacity of 23.99 GiB of which 1.20 GiB is free.',
    );
  }
  const networkDim = arg('network_dim') === null ? 4 : num(arg('network_dim'));
  const networkAlpha = num(arg('network_alpha'));
  const networkArgs = {};
  for (const item of arg('network_args') ?? []) {
    const [key, ...value] = String(item).split('=');
    networkArgs[key] = value.join('=');
  }
  out(`import network module: ${networkModule}\n`);
  out(`create LoRA network. base dim (rank): ${networkDim}, alpha: ${pyStr(arg('network_alpha'))}\n`);
  out('prepare optimizer, data loader etc.\n');

  const dataset = datasetsMeta[0];
  const batchesPerEpoch = datasetsMeta.reduce((sum, d) => sum + d.batches, 0);
  const accumulation = num(arg('gradient_accumulation_steps') ?? 1);
  const stepsPerEpoch = Math.ceil(batchesPerEpoch / accumulation);
  let epochs;
  let totalSteps;
  if (arg('max_train_epochs') !== null) {
    epochs = num(arg('max_train_epochs'));
    totalSteps = epochs * stepsPerEpoch;
    out(`override steps. steps for ${epochs} epochs is / 指定エポックまでのステップ数: ${totalSteps}\n`);
  } else {
    totalSteps = num(arg('max_train_steps'));
    epochs = Math.ceil(totalSteps / stepsPerEpoch);
  }
  out('running training / 学習開始\n');
  out(`  num train images * repeats / 学習画像の数×繰り返し回数: ${totalImages}\n`);
  out('  num validation images * repeats / 学習画像の数×繰り返し回数: 0\n');
  out('  num reg images / 正則化画像の数: 0\n');
  out(`  num batches per epoch / 1epochのバッチ数: ${batchesPerEpoch}\n`);
  out(`  num epochs / epoch数: ${epochs}\n`);
  out(`  batch size per device / バッチサイズ: ${dataset.batchSize}\n`);
  out(`  gradient accumulation steps / 勾配を合計するステップ数 = ${accumulation}\n`);
  out(`  total optimization steps / 学習ステップ数: ${totalSteps}\n`);

  // Outputs.
  const outputDir = String(arg('output_dir'));
  mkdirSync(outputDir, { recursive: true });
  const outputName = arg('output_name') ? String(arg('output_name')) : null;
  const ext = String(arg('save_model_as') ?? 'safetensors');
  const dtype = { fp16: 'F16', bf16: 'BF16', float: 'F32' }[arg('save_precision') ?? ''] ?? 'F32';
  const prompts = arg('sample_prompts') ? readPrompts(String(arg('sample_prompts'))) : [];
  const colourFile = process.env.KILN_FAKE_SDS_SAMPLE_COLORS;
  const colourOverrides = colourFile ? JSON.parse(readFileSync(colourFile, 'utf8')) : undefined;
  const startedAt = Date.now() / 1000;
  const sessionId = Math.floor(Math.random() * 2 ** 32);
  const lrText = (key) =>
    arg(key) === null ? 'None' : Array.isArray(arg(key)) ? pyStr(arg(key).map(num)) : str(arg(key));

  const metadataFor = (epoch, step) => {
    const metadata = {
      ss_session_id: String(sessionId),
      ss_training_started_at: pyFloat(startedAt),
      ss_output_name: outputName ?? 'None',
      ss_learning_rate: str(arg('learning_rate')),
      ss_text_encoder_lr: lrText('text_encoder_lr'),
      ss_unet_lr: lrText('unet_lr'),
      ss_num_train_images: String(totalImages),
      ss_num_validation_images: '0',
      ss_num_reg_images: '0',
      ss_num_batches_per_epoch: String(batchesPerEpoch),
      ss_num_epochs: String(epochs),
      ss_gradient_checkpointing: pyStr(arg('gradient_checkpointing')),
      ss_gradient_accumulation_steps: String(accumulation),
      ss_max_train_steps: String(totalSteps),
      ss_lr_warmup_steps: str(arg('lr_warmup_steps')),
      ss_lr_scheduler: String(arg('lr_scheduler')),
      ss_network_module: String(networkModule),
      ss_network_dim: String(networkDim),
      ss_network_alpha: pyFloat(networkAlpha),
      ss_network_dropout: pyStr(arg('network_dropout')),
      ss_mixed_precision: String(arg('mixed_precision')),
      ss_full_fp16: pyStr(arg('full_fp16')),
      ss_v2: pyStr(arg('v2')),
      ss_base_model_version: sdxl ? 'sdxl_base_v1-0' : 'sd_v1',
      ss_clip_skip: str(arg('clip_skip')),
      ss_max_token_length: str(arg('max_token_length')),
      ss_cache_latents: pyStr(arg('cache_latents')),
      ss_seed: str(arg('seed')),
      ss_lowram: pyStr(arg('lowram')),
      ss_noise_offset: str(arg('noise_offset')),
      ss_min_snr_gamma: str(arg('min_snr_gamma')),
      ss_training_comment: pyStr(arg('training_comment')),
      ss_sd_scripts_commit_hash: '48d368fa557731ad0488c07304dfeba8c07910eb',
      ss_optimizer: `torch.optim.adamw.${arg('optimizer_type') || 'AdamW'}`,
      ss_max_grad_norm: str(arg('max_grad_norm')),
      ss_prior_loss_weight: str(arg('prior_loss_weight')),
      ss_sd_model_name: basename(String(modelPath)),
      ss_epoch: String(epoch),
      ss_steps: String(step),
      'modelspec.sai_model_spec': '1.0.0',
      'modelspec.architecture': sdxl ? 'stable-diffusion-xl-v1-base/lora' : 'stable-diffusion-v1/lora',
      'modelspec.implementation': 'https://github.com/Stability-AI/generative-models',
      'modelspec.title': String(arg('metadata_title') ?? outputName ?? 'last'),
      'modelspec.resolution': `${dataset.resolutionTuple[0]}x${dataset.resolutionTuple[1]}`,
      'modelspec.date': new Date().toISOString().slice(0, 19),
    };
    if (arg('metadata_trigger_phrase'))
      metadata['modelspec.trigger_phrase'] = String(arg('metadata_trigger_phrase'));
    if (Object.keys(networkArgs).length > 0) metadata.ss_network_args = JSON.stringify(networkArgs);
    if (datasetConfigMode) {
      metadata.ss_datasets = JSON.stringify(
        datasetsMeta.map(
          ({ batches: _batches, batchSize: _batchSize, resolutionTuple: _resolution, ...rest }) => rest,
        ),
      );
      metadata.ss_tag_frequency = JSON.stringify(
        Object.assign({}, ...datasetsMeta.map((d) => d.tag_frequency)),
      );
    } else {
      metadata.ss_batch_size_per_device = String(dataset.batchSize);
      metadata.ss_resolution = `(${dataset.resolutionTuple[0]}, ${dataset.resolutionTuple[1]})`;
      metadata.ss_enable_bucket = pyStr(dataset.enable_bucket);
      metadata.ss_min_bucket_reso = String(dataset.min_bucket_reso);
      metadata.ss_max_bucket_reso = String(dataset.max_bucket_reso);
      metadata.ss_keep_tokens = String(subsets[0]?.keepTokens ?? 0);
      metadata.ss_shuffle_caption = pyStr(subsets[0]?.shuffle ?? false);
      metadata.ss_tag_frequency = JSON.stringify(dataset.tag_frequency);
    }
    return metadata;
  };

  const tensorsFor = () => {
    const te = sdxl
      ? ['lora_te1_text_model_encoder_layers_0_mlp_fc1', 'lora_te2_text_model_encoder_layers_0_mlp_fc1']
      : ['lora_te_text_model_encoder_layers_0_mlp_fc1'];
    const linear = [
      'lora_unet_down_blocks_0_attentions_0_proj_in',
      ...(arg('network_train_unet_only') ? [] : te),
    ];
    const tensors = [];
    for (const name of linear) {
      tensors.push([`${name}.alpha`, [], networkAlpha === 0 ? networkDim : networkAlpha]);
      tensors.push([`${name}.lora_down.weight`, [networkDim, 4], 0]);
      tensors.push([`${name}.lora_up.weight`, [4, networkDim], 0]);
    }
    if (networkArgs.conv_dim) {
      const convDim = Number(networkArgs.conv_dim);
      const convAlpha = Number(networkArgs.conv_alpha ?? 1);
      const name = 'lora_unet_down_blocks_0_resnets_0_conv1';
      tensors.push([`${name}.alpha`, [], convAlpha]);
      tensors.push([`${name}.lora_down.weight`, [convDim, 4, 3, 3], 0]);
      tensors.push([`${name}.lora_up.weight`, [4, convDim, 1, 1], 0]);
    }
    return tensors;
  };

  const save = (name, epoch, step) => {
    const path = join(outputDir, name);
    out(`\nsaving checkpoint: ${path}\n`);
    const metadata = metadataFor(epoch, step);
    metadata.ss_training_finished_at = pyFloat(Date.now() / 1000);
    writeSafetensors(path, metadata, tensorsFor(), dtype);
  };

  const sampleDir = join(outputDir, 'sample');
  const sample = async (epoch, step) => {
    if (prompts.length === 0) return;
    const everyEpochs = arg('sample_every_n_epochs') === null ? null : num(arg('sample_every_n_epochs'));
    if (everyEpochs === null || epoch % everyEpochs !== 0) return;
    log('INFO', `generating sample images at step / サンプル画像生成 ステップ: ${step}`, 'train_util.py:1');
    mkdirSync(sampleDir, { recursive: true });
    const stamp = new Date().toISOString().replace(/[-:T]/g, '').slice(0, 14);
    for (const [index, prompt] of prompts.entries()) {
      log('INFO', `prompt: ${prompt.prompt}`, 'train_util.py:1');
      const name = `${outputName ? `${outputName}_` : ''}e${String(epoch).padStart(6, '0')}_${String(index).padStart(2, '0')}_${stamp}${prompt.seed === null ? '' : `_${prompt.seed}`}.png`;
      const colour = sampleColour(prompt.prompt, epoch, colourOverrides);
      await sharp({ create: { width: prompt.width, height: prompt.height, channels: 3, background: colour } })
        .png()
        .toFile(join(sampleDir, name));
    }
  };

  // Training loop.
  const nanStep =
    failMode === 'nan'
      ? Number(process.env.KILN_FAKE_SDS_NAN_STEP ?? Math.max(1, Math.ceil(totalSteps / 3)))
      : Infinity;
  const keepLast = arg('save_last_n_epochs') === null ? null : num(arg('save_last_n_epochs'));
  const saveEvery = arg('save_every_n_epochs') === null ? null : num(arg('save_every_n_epochs'));
  const window = [];
  let step = 0;
  let shownLoss;
  // tqdm pads a redraw shorter than the last one with spaces ("avr_loss=2.2] ").
  let drawnLength = 0;
  const drawSteps = (line) => {
    err(line.padEnd(drawnLength));
    drawnLength = line.length;
  };
  const validateEvery = arg('validate_every_n_steps') === null ? null : num(arg('validate_every_n_steps'));
  // The validation bar, nested under the steps bar: "\n\r" before and ESC[A (cursor up) after each redraw.
  const validationBar = (desc) => {
    const total = 4;
    err(`\n\r${desc}:   0%|          | 0/${total} [00:00<?, ?it/s]\u001b[A`);
    for (let i = 1; i <= total; i++) {
      const bar = `${desc}: ${String((i / total) * 100).padStart(3)}%|${'█'.repeat((i * 10) / total).padEnd(10)}| ${i}/${total} [00:0${i}<00:0${total - i},  1.00s/it`;
      err(`\n\r${bar}, val_avg_loss=0.1, timestep=${200 * (i - 1 || 1)}]\u001b[A`);
      err(`\n\r${bar}, val_avg_loss=0.1, timestep=${200 * i}]\u001b[A`);
    }
  };
  const began = Date.now();
  err(tqdmLine(0, totalSteps, 0));
  for (let epoch = 1; epoch <= epochs; epoch++) {
    out(`\nepoch ${epoch}/${epochs}\n\n`);
    for (let i = 0; i < stepsPerEpoch && step < totalSteps; i++) {
      step++;
      const loss = step >= nanStep ? Number.NaN : fakeLoss(step);
      window.push(loss);
      if (window.length > stepsPerEpoch) window.shift();
      const average = window.reduce((a, b) => a + b, 0) / window.length;
      // As the real train_network.py: progress_bar.update(1) redraws with the previous step's avr_loss, then
      // set_postfix(avr_loss=…) redraws with this step's (test/fixtures/sd-scripts/kiln-train-sd1.jsonl).
      const elapsed = (Date.now() - began) / 1000 + step * 0.5;
      drawSteps(tqdmLine(step, totalSteps, elapsed, shownLoss));
      shownLoss = average;
      drawSteps(tqdmLine(step, totalSteps, elapsed, shownLoss));
      if (validateEvery !== null && step % validateEvery === 0) validationBar('validation steps');
      if (stepMs > 0) await sleep(stepMs);
      else await new Promise((done) => setImmediate(done));
    }
    if (saveEvery !== null && epoch % saveEvery === 0 && epoch < epochs) {
      const name = `${outputName ?? 'last'}-${String(epoch).padStart(6, '0')}.${ext}`;
      save(name, epoch, step);
      if (keepLast !== null) {
        const old = epoch - saveEvery * keepLast;
        if (old > 0) {
          const oldPath = join(outputDir, `${outputName ?? 'last'}-${String(old).padStart(6, '0')}.${ext}`);
          if (existsSync(oldPath)) {
            out(`removing old checkpoint: ${oldPath}\n`);
            rmSync(oldPath);
          }
        }
      }
    }
    await sample(epoch, step);
  }
  err('\n');
  save(`${outputName ?? 'last'}.${ext}`, epochs, step);
  log('INFO', 'model saved.');
  process.exit(0);
}

// For `node fake-sd-scripts.js <script name> args…` (not used by the launcher, handy by hand).
if (process.argv[1] && resolve(process.argv[1]) === resolve(fileURLToPath(import.meta.url))) {
  const script = process.argv.splice(2, 1)[0] ?? 'train_network.py';
  await main(script);
}
