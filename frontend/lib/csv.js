// CSV files as spreadsheets expect them: RFC 4180 quoting, CRLF line ends, a UTF-8 byte order
// mark (so Excel reads names with accents right), and text cells that a spreadsheet would run
// as a formula (`=`, `+`, `-`, `@`) prefixed with `'`.

function cell(value) {
  let text = value === null || value === undefined ? "" : String(value);
  if (typeof value === "string" && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** `rows` are arrays; numbers must already be what the screen shows (credits as strings). */
export function toCsv(rows) {
  return `\ufeff${rows.map((row) => row.map(cell).join(",")).join("\r\n")}\r\n`;
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
