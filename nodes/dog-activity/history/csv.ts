// CSV (RFC 4180) of the time-in-zones table, one row per dog, day and zone.
import type { ZoneTime } from './zones';

function cell(value: string | number): string {
  const s = String(value);
  // Quote what needs it; a leading = + - @ is prefixed so a spreadsheet does not run it as a formula.
  const safe = /^[=+\-@]/.test(s) && typeof value === 'string' ? `'${s}` : s;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export function zonesCsv(
  rows: ReadonlyArray<{ dog: string; day: string; zones: readonly ZoneTime[] }>,
): string {
  const lines = ['dog,day,zone,name,kind,minutes,entries,longest_stay_min'];
  for (const r of rows) {
    for (const z of r.zones) {
      lines.push(
        [r.dog, r.day, z.zone, z.name, z.kind, z.minutes, z.entries, z.longestStayMin].map(cell).join(','),
      );
    }
  }
  return lines.join('\r\n') + '\r\n';
}
