// A drilldown's table and its CSV: one row per center or per business date, the campaign's
// own numbers as the footer. One list of columns serves both, so the file holds exactly what
// the screen shows (counts as digits, credits as the API's decimal strings).

import { formatDate, weekday } from "../lib/dates.js";
import { formatDecimal, formatInt } from "../lib/format.js";
import { html } from "../lib/html.js";

export const NUMBER_COLUMNS = [
  { key: "targetedGuests", title: "Targeted Guests", kind: "int" },
  { key: "processed", title: "Processed", kind: "int" },
  { key: "creditsConsumed", title: "Credits Consumed", kind: "decimal" },
];

export function showNumber(kind, value) {
  return kind === "int" ? formatInt(value) : formatDecimal(value);
}

/** The leading columns: `[{title, csv(row), cell(row)}]`. */
function leadColumns(kind, zoneName) {
  if (kind === "centers") {
    return [
      {
        title: "Center",
        csv: (row) => row.center.name,
        cell: (row) =>
          html`<th scope="row" data-center-id="${row.center.id}">${row.center.name}</th>`,
      },
      {
        title: "Zone",
        csv: (row) => zoneName(row.center.zoneId),
        cell: (row) => html`<td>${zoneName(row.center.zoneId)}</td>`,
      },
    ];
  }
  return [
    {
      title: "Date",
      csv: (row) => row.date,
      cell: (row) =>
        html`<th scope="row"><time datetime="${row.date}">${weekday(row.date)} ${formatDate(row.date)}</time></th>`,
    },
  ];
}

export function breakdownTable({ kind, title, campaign, rows, zoneName }) {
  const lead = leadColumns(kind, zoneName);
  const quiet = (row) => kind === "dates" && row.processed === 0 && row.targetedGuests === 0;
  return html`<div class="table-scroll" role="region" aria-label="${title}" tabindex="0">
    <table class="report-table" data-testid="${kind}-table">
      <caption class="visually-hidden">${title} for ${campaign.name}</caption>
      <thead><tr>
        ${lead.map((c) => html`<th scope="col">${c.title}</th>`)}
        ${NUMBER_COLUMNS.map((c) => html`<th scope="col" class="num">${c.title}</th>`)}
      </tr></thead>
      <tbody>
        ${rows.map(
          (row) => html`<tr class="${quiet(row) ? "zero" : ""}">
            ${lead.map((c) => c.cell(row))}
            ${NUMBER_COLUMNS.map((c) => html`<td class="num" data-column="${c.key}">${showNumber(c.kind, row[c.key])}</td>`)}
          </tr>`,
        )}
      </tbody>
      <tfoot><tr data-testid="totals-row">
        <th scope="row" colspan="${lead.length}">Campaign total</th>
        ${NUMBER_COLUMNS.map((c) => html`<td class="num" data-column="${c.key}">${showNumber(c.kind, campaign[c.key])}</td>`)}
      </tr></tfoot>
    </table>
  </div>`;
}

export function breakdownCsvRows({ kind, campaign, rows, zoneName }) {
  const lead = leadColumns(kind, zoneName);
  return [
    [...lead.map((c) => c.title), ...NUMBER_COLUMNS.map((c) => c.title)],
    ...rows.map((row) => [
      ...lead.map((c) => c.csv(row)),
      ...NUMBER_COLUMNS.map((c) => row[c.key]),
    ]),
    [
      "Campaign total",
      ...lead.slice(1).map(() => ""),
      ...NUMBER_COLUMNS.map((c) => campaign[c.key]),
    ],
  ];
}
