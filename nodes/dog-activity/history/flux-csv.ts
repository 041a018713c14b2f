// InfluxDB 2.x's annotated CSV (the /api/v2/query answer), read into typed rows. Layout, as InfluxData
// documents it (docs-v2 content/shared/influxdb-v2/reference/syntax/annotated-csv/_index.md): each table
// starts with annotation rows (#datatype, #group, #default; the first column names the annotation), then a
// header row; record rows have an empty first column, then `result`, `table` and the data columns. Tables
// of one schema share a block; a blank line starts a new block with its own annotations and header. An
// error while the query runs comes back as a table with `error` and `reference` columns. Pure.

export type FluxValue = string | number | boolean | null;

export interface FluxRow {
  /** The `table` column: which table of the result the row belongs to. */
  table: number;
  values: Readonly<Record<string, FluxValue>>;
}

/** RFC 3339 (any fraction, Z or an offset; none means UTC, as InfluxDB 3's JSON gives it) -> ms, or NaN. */
export function timeMs(text: string): number {
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:\d{2})?$/i.exec(text.trim());
  if (!m) return Number.NaN;
  const whole = Date.parse(`${m[1]}${m[3] ?? 'Z'}`);
  // Truncated to the ms, as the positions were written (influx-write stores ms).
  const fraction = m[2] ? Number(m[2].slice(0, 3).padEnd(3, '0')) : 0;
  return whole + fraction;
}

/** RFC 4180 records of `text` (quotes, doubled quotes, CRLF or LF); a blank line is an empty record. */
function records(text: string): string[][] {
  const out: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  let i = 0;
  const endRow = (): void => {
    row.push(cell);
    out.push(row.length === 1 && row[0] === '' ? [] : row);
    row = [];
    cell = '';
  };
  while (i < text.length) {
    const c = text[i];
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          cell += '"';
          i += 2;
          continue;
        }
        quoted = false;
      } else cell += c;
      i++;
      continue;
    }
    if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(cell);
      cell = '';
    } else if (c === '\n' || c === '\r') {
      endRow();
      if (c === '\r' && text[i + 1] === '\n') i++;
    } else cell += c;
    i++;
  }
  if (cell !== '' || row.length > 0) endRow();
  return out;
}

function typed(raw: string, datatype: string, fallback: string): FluxValue {
  const text = raw === '' ? fallback : raw;
  if (text === '') return null;
  if (datatype === 'double' || datatype === 'long' || datatype === 'unsignedLong') {
    const n = Number(text);
    return Number.isFinite(n) ? n : null;
  }
  if (datatype === 'boolean') return text === 'true';
  if (datatype.startsWith('dateTime')) {
    const t = timeMs(text);
    return Number.isFinite(t) ? t : null;
  }
  return text;
}

/**
 * The record rows of an annotated CSV answer, typed by each block's #datatype (numbers, booleans, times as
 * ms, strings; an empty cell takes the #default, else null). Throws with InfluxDB's message when the answer
 * is an error table. Without annotations every value stays a string.
 */
export function parseAnnotatedCsv(text: string): FluxRow[] {
  const rows: FluxRow[] = [];
  let datatypes: string[] = [];
  let defaults: string[] = [];
  let header: string[] | undefined;
  for (const rec of records(text)) {
    if (rec.length === 0) {
      // A new block: its annotations and header follow.
      header = undefined;
      datatypes = [];
      defaults = [];
      continue;
    }
    const first = rec[0];
    if (first.startsWith('#')) {
      if (first === '#datatype') datatypes = rec;
      else if (first === '#default') defaults = rec;
      continue;
    }
    if (header === undefined) {
      header = rec;
      continue;
    }
    const values: Record<string, FluxValue> = {};
    for (let c = 1; c < header.length; c++) {
      const name = header[c];
      if (name === '') continue;
      values[name] = typed(rec[c] ?? '', datatypes[c] ?? 'string', defaults[c] ?? '');
    }
    if (header.includes('error') && header.includes('reference') && !header.includes('_time')) {
      const message = typeof values.error === 'string' ? values.error : 'unknown error';
      throw new Error(`InfluxDB: ${message.slice(0, 200)}`);
    }
    rows.push({ table: Number(values.table ?? 0), values });
  }
  return rows;
}
