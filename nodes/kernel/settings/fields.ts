// One description of a node's editor settings, read the same way by the runtime and the editor: each
// field's type, range, default and unit. `checkField` is self-contained on purpose: the build copies its
// source into each node's editor .html (scripts/copy-assets.ts), so the edit dialog outlines in red exactly
// what `readSettings` refuses. No Node-RED here.
import { excerpt } from '../checks';

export interface NumberField {
  type: 'number' | 'integer';
  min?: number;
  max?: number;
  /** The bound itself is refused (e.g. > 0 rather than >= 0). */
  minExclusive?: boolean;
  maxExclusive?: boolean;
  /** Blank (empty or missing) means this; without it a blank field is unset (optional) or refused (required). */
  default?: number;
  required?: boolean;
  unit?: string;
  help?: string;
}

export interface BooleanField {
  type: 'boolean';
  default: boolean;
  help?: string;
}

export interface StringField {
  type: 'string';
  default?: string;
  required?: boolean;
  help?: string;
}

export interface EnumField {
  type: 'enum';
  values: readonly string[];
  default: string;
  help?: string;
}

export type FieldSpec = NumberField | BooleanField | StringField | EnumField;
export type SettingsTable = Readonly<Record<string, FieldSpec>>;

/** A field's value type as the runtime gets it from readSettings. */
export type ValueOf<F extends FieldSpec> = F extends NumberField
  ? F extends { default: number }
    ? number
    : F extends { required: true }
      ? number
      : number | undefined
  : F extends BooleanField
    ? boolean
    : F extends EnumField
      ? F['values'][number]
      : F extends { default: string }
        ? string
        : string | undefined;

export type SettingsOf<T extends SettingsTable> = { -readonly [K in keyof T]: ValueOf<T[K]> };

export type SettingsResult<T extends SettingsTable> =
  { ok: true; values: SettingsOf<T> } | { ok: false; problems: string[] };

/**
 * Why `raw` (as the editor stores it: a string, a number, a boolean, or missing) is refused for `spec`,
 * or undefined when it is accepted. `name` names the field in the text; `quote` quotes the value
 * (excerpt() in the runtime). Self-contained: no references outside this function (see the file comment).
 */
export function checkField(
  spec: FieldSpec,
  raw: unknown,
  name: string,
  quote?: (value: unknown) => string,
): string | undefined {
  const q = quote ?? ((v: unknown): string => JSON.stringify(String(v).slice(0, 40)));
  const blank = raw === undefined || raw === null || (typeof raw === 'string' && raw.trim() === '');
  if (spec.type === 'boolean') {
    if (blank || raw === true || raw === false || raw === 'true' || raw === 'false') return undefined;
    return `${name} must be true or false, not ${q(raw)}`;
  }
  if (spec.type === 'enum') {
    if (blank) return undefined;
    return spec.values.indexOf(String(raw)) >= 0
      ? undefined
      : `${name} must be one of ${spec.values.join(', ')}, not ${q(raw)}`;
  }
  if (spec.type === 'string') {
    if (blank) return spec.required && spec.default === undefined ? `${name} is required` : undefined;
    return typeof raw === 'string' ? undefined : `${name} must be text, not ${q(raw)}`;
  }
  if (blank) return spec.required && spec.default === undefined ? `${name} is required` : undefined;
  let n: number;
  if (typeof raw === 'number') n = raw;
  else if (typeof raw === 'string' && /^\s*[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?\s*$/i.test(raw))
    n = Number(raw);
  else return `${name} must be a number, not ${q(raw)}`;
  const unit = spec.unit ? ` ${spec.unit}` : '';
  if (!Number.isFinite(n)) return `${name} must be a finite number, not ${q(raw)}`;
  if (spec.type === 'integer' && !Number.isInteger(n)) return `${name} must be a whole number, not ${q(raw)}`;
  if (spec.min !== undefined && (spec.minExclusive ? n <= spec.min : n < spec.min))
    return `${name} must be ${spec.minExclusive ? 'more than' : 'at least'} ${spec.min}${unit}, not ${q(raw)}`;
  if (spec.max !== undefined && (spec.maxExclusive ? n >= spec.max : n > spec.max))
    return `${name} must be ${spec.maxExclusive ? 'less than' : 'at most'} ${spec.max}${unit}, not ${q(raw)}`;
  return undefined;
}

/** The value checkField accepted, typed (blank -> the default, or undefined). */
function valueOf(spec: FieldSpec, raw: unknown): unknown {
  const blank = raw === undefined || raw === null || (typeof raw === 'string' && raw.trim() === '');
  if (blank) return spec.default;
  if (spec.type === 'boolean') return raw === true || raw === 'true';
  if (spec.type === 'number' || spec.type === 'integer') return typeof raw === 'number' ? raw : Number(raw);
  return String(raw);
}

/**
 * Reads a node's settings (its def, as deployed) through its table: typed values, or every problem, each
 * naming its field. Fields of the def that are not in the table are not looked at.
 */
export function readSettings<T extends SettingsTable>(table: T, def: object): SettingsResult<T> {
  const source = def as Record<string, unknown>;
  const problems: string[] = [];
  const values: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(table)) {
    const problem = checkField(spec, source[name], name, (v) => excerpt(v));
    if (problem !== undefined) problems.push(problem);
    else values[name] = valueOf(spec, source[name]);
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, values: values as SettingsOf<T> };
}

/** readSettings, throwing one error that lists every problem (for adapters that report a thrown error). */
export function settingsOrThrow<T extends SettingsTable>(table: T, def: object): SettingsOf<T> {
  const result = readSettings(table, def);
  if (!result.ok) throw new Error(`invalid settings: ${result.problems.join('; ')}`);
  return result.values;
}
