// CSV files as spreadsheets expect them: RFC 4180 quoting, CRLF line ends, a UTF-8 byte order
// mark (so Excel reads names with accents right), and text cells that a spreadsheet would run
// as a formula (`=`, `+`, `-`, `@`) prefixed with `'`.
//
// An export is laid out for a person opening it in a spreadsheet: first what it is (title,
// scope, date range, filters, export time, one `label,value` line each), a blank line, then the
// header and the data rows only, a blank line, the labelled total, a blank line and the notes.
// The blank lines keep the data rows one block that a spreadsheet sorts, filters and sums on
// its own, with the total outside it; the file name repeats the scope and the range.

function cell(value) {
  let text = value === null || value === undefined ? "" : String(value);
  // A signed decimal (`-120.5`, a debit) is a number, not a formula: it stays as it is.
  const number = /^-?\d+(\.\d+)?$/.test(text);
  if (typeof value === "string" && !number && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** `rows` are arrays; numbers must already be what the file should hold (credits as strings). */
export function toCsv(rows) {
  return `\ufeff${rows.map((row) => row.map(cell).join(",")).join("\r\n")}\r\n`;
}

/**
 * The rows of an export: `{title, facts: [[label, value]], header, rows, total, notes}`; `total`
 * is one row (its first cell the label), `notes` are `[label, text]` lines.
 */
export function exportRows({ title, facts, header, rows, total, notes = [] }) {
  return [
    [title],
    ...facts,
    [],
    header,
    ...rows,
    [],
    total,
    ...(notes.length ? [[], ...notes] : []),
  ];
}

/** `2026-12-02T10:15:03+05:30`: the moment, in the organization's time zone with its offset. */
export function exportTime(timeZone, now = new Date()) {
  const fields = Object.fromEntries(
    new Intl.DateTimeFormat("en-CA", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
      timeZoneName: "longOffset",
    })
      .formatToParts(now)
      .map((p) => [p.type, p.value]),
  );
  const offset = fields.timeZoneName.replace("GMT", "") || "+00:00";
  const { year, month, day, hour, minute, second } = fields;
  return `${year}-${month}-${day}T${hour}:${minute}:${second}${offset}`;
}

export function downloadCsv(filename, text) {
  const url = URL.createObjectURL(new Blob([text], { type: "text/csv;charset=utf-8" }));
  const link = document.createElement("a");
  link.href = url;
  link.download = filename;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 0);
}

/** A file-name-safe piece: `North America` -> `north-america`. */
export function slug(text) {
  return (
    String(text)
      .normalize("NFKD")
      .replace(/[^\w\s-]/g, "")
      .trim()
      .toLowerCase()
      .replace(/[\s_-]+/g, "-") || "report"
  );
}
