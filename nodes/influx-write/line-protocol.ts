// InfluxDB line protocol: escaping and field values, as InfluxDB 1.x and 2.x/3.x parse them.
// https://docs.influxdata.com/influxdb/v1/write_protocols/line_protocol_reference/
//
// Line protocol has no escape for a line break, and one point per line is also how the disk queue
// stores points, so CR and LF in any text become a space. In names and tag values a backslash is
// literal, except before a comma, `=` or space, or at the end, where InfluxDB would read it as an
// escape (and there is no way to write it): there it becomes `/`.

/** A field value with its InfluxDB type made explicit, so a field never changes type between writes. */
export type FieldValue =
  { kind: 'float'; value: number } | { kind: 'integer'; value: number } | { kind: 'string'; value: string };

const LINE_BREAKS = /[\r\n]/g;

function escapeName(text: string, special: RegExp): string {
  let out = '';
  const s = text.replace(LINE_BREAKS, ' ');
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '\\') {
      const next = s[i + 1];
      out += next === undefined || special.test(next) ? '/' : '\\';
    } else if (special.test(c)) {
      out += '\\' + c;
    } else {
      out += c;
    }
  }
  return out;
}

const NEEDS_ESCAPE_MEASUREMENT = /[,\s\\\r\n]/;
const MEASUREMENT_SPECIAL = /^[, ]$/;
const NEEDS_ESCAPE_KEY = /[,=\s\\\r\n]/;
const KEY_SPECIAL = /^[,= ]$/;

/** A measurement name: commas and spaces escaped. */
export function escapeMeasurement(name: string): string {
  return NEEDS_ESCAPE_MEASUREMENT.test(name) ? escapeName(name, MEASUREMENT_SPECIAL) : name;
}

/** A tag key, tag value or field key: commas, `=` and spaces escaped. */
export function escapeKey(text: string): string {
  // The fast path matters: most ids (MACs, scanner names) need no escaping at all.
  return NEEDS_ESCAPE_KEY.test(text) ? escapeName(text.replace(/\t/g, ' '), KEY_SPECIAL) : text;
}

/** A string field value, quoted: `"` and `\` escaped. */
export function quoteString(text: string): string {
  return '"' + text.replace(LINE_BREAKS, ' ').replace(/[\\"]/g, '\\$&') + '"';
}

export function formatField(field: FieldValue): string {
  switch (field.kind) {
    case 'float':
      // String(4) is "4", which InfluxDB reads as a float (integers need the `i` suffix); exponents
      // such as 1e+21 are accepted too.
      return String(field.value);
    case 'integer':
      return `${field.value}i`;
    case 'string':
      return quoteString(field.value);
  }
}

/**
 * One line of line protocol. Tags with an empty value are left out (InfluxDB rejects them) and the
 * rest are sorted by key, which is the order InfluxDB stores them in and writes fastest.
 * `fields` must not be empty; `timeMs` is an integer.
 */
export function formatLine(
  measurement: string,
  tags: ReadonlyArray<readonly [string, string | undefined]>,
  fields: ReadonlyArray<readonly [string, FieldValue]>,
  timeMs: number,
): string {
  let line = escapeMeasurement(measurement);
  const present = tags.filter((t): t is readonly [string, string] => t[1] !== undefined && t[1] !== '');
  if (present.length > 1) present.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  for (const [key, value] of present) line += ',' + escapeKey(key) + '=' + escapeKey(value);
  let separator = ' ';
  for (const [key, value] of fields) {
    line += separator + escapeKey(key) + '=' + formatField(value);
    separator = ',';
  }
  return line + ' ' + String(timeMs);
}
