// A drilldown's table and its CSV: one row per center, or per day, week or month, with the
// campaign's own numbers as the footer. One list of columns serves both, so the file holds what
// the screen shows (counts as digits, credits as exact decimals without needless zeros) plus
// the ids and calendar dates a spreadsheet needs.

import { daysIn, describePeriod } from "../lib/dates.js";
import { formatDecimal, formatInt, plainDecimal } from "../lib/format.js";
import { html } from "../lib/html.js";
import { PHONE } from "../lib/media.js";

export const NUMBER_COLUMNS = [
  { key: "targetedGuests", title: "Targeted Guests", kind: "int" },
  { key: "processed", title: "Processed", kind: "int" },
  { key: "creditsConsumed", title: "Credits Consumed", kind: "decimal" },
];

export function showNumber(kind, value) {
  return kind === "int" ? formatInt(value) : formatDecimal(value);
}

function fileNumber(kind, value) {
  return kind === "int" ? value : plainDecimal(value);
}

function dayCount(row) {
  const days = daysIn(row.start, row.end);
  return days === 1 ? "1 day" : `${days} days`;
}

const PERIOD_TITLES = { day: "Date", week: "Week", month: "Month" };

/** The leading columns: `[{title, csv: [[title, value(row)]], cell(row)}]`. */
function leadColumns({ kind, unit, zoneName }) {
  if (kind === "centers") {
    return [
      {
        title: "Center",
        csv: [
          ["Center ID", (row) => row.center.id],
          ["Center", (row) => row.center.name],
        ],
        cell: (row) =>
          html`<th scope="row" data-center-id="${row.center.id}">${row.center.name}</th>`,
      },
      {
        title: "Zone",
        csv: [
          ["Zone", (row) => zoneName(row.center.zoneId)],
          ["Time Zone", (row) => row.center.timezone],
        ],
        cell: (row) => html`<td>${zoneName(row.center.zoneId)}</td>`,
      },
    ];
  }
  const csv =
    unit === "day"
      ? [["Date", (row) => row.start]]
      : [
          ["Start", (row) => row.start],
          ["End", (row) => row.end],
        ];
  return [
    {
      title: PERIOD_TITLES[unit],
      csv,
      // A week or month cut by the window's ends says how many of its days it holds.
      cell: (row) =>
        html`<th scope="row"><time datetime="${row.start}">${describePeriod(row, unit)}</time>${
          row.full ? "" : html`<span class="period-days">${dayCount(row)}</span>`
        }</th>`,
    },
  ];
}

/** `{kind, unit, title, campaign, rows, zoneName}`; `unit` (day, week, month) for dates. */
export function breakdownTable({ kind, unit, title, campaign, rows, zoneName }) {
  // On a phone the row's name, then Credits Consumed first; the zone after the numbers.
  const phone = PHONE.matches;
  const [name, ...rest] = leadColumns({ kind, unit, zoneName });
  const numbers = phone ? [...NUMBER_COLUMNS].reverse() : NUMBER_COLUMNS;
  const columns = phone
    ? [name, ...numbers.map(numberColumn), ...rest]
    : [name, ...rest, ...numbers.map(numberColumn)];
  const quiet = (row) => kind === "dates" && row.targetedGuests === 0;
  return html`<cr-scroll-region><div class="table-scroll" role="region" aria-label="${title}" tabindex="0">
    <table class="report-table" data-testid="${kind}-table">
      <caption class="visually-hidden">${title} for ${campaign.name}</caption>
      <thead><tr>
        ${columns.map((c) => html`<th scope="col" class="${c.num ? "num" : ""}">${c.title}</th>`)}
      </tr></thead>
      <tbody>
        ${rows.map(
          (row) => html`<tr class="${quiet(row) ? "zero" : ""}">${columns.map((c) => c.cell(row))}</tr>`,
        )}
      </tbody>
      <tfoot><tr data-testid="totals-row">
        ${columns.map((c, i) => {
          if (i === 0) return html`<th scope="row">Campaign total</th>`;
          return c.num ? c.cell(campaign) : html`<td></td>`;
        })}
      </tr></tfoot>
    </table>
  </div></cr-scroll-region>`;
}

function numberColumn(c) {
  return {
    title: c.title,
    num: true,
    cell: (row) => html`<td class="num" data-column="${c.key}">${showNumber(c.kind, row[c.key])}</td>`,
  };
}

/** The header, data rows and total row of a breakdown's CSV. */
export function breakdownCsv({ kind, unit, campaign, rows, zoneName }) {
  const lead = leadColumns({ kind, unit, zoneName }).flatMap((c) => c.csv);
  return {
    header: [...lead.map(([title]) => title), ...NUMBER_COLUMNS.map((c) => c.title)],
    rows: rows.map((row) => [
      ...lead.map(([, value]) => value(row)),
      ...NUMBER_COLUMNS.map((c) => fileNumber(c.kind, row[c.key])),
    ]),
    total: [
      "Campaign total",
      ...lead.slice(1).map(() => ""),
      ...NUMBER_COLUMNS.map((c) => fileNumber(c.kind, campaign[c.key])),
    ],
  };
}
