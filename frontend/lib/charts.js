// Chart.js configurations for the drilldowns: one measure, Credits Consumed, on one labelled
// axis; a bar's tooltip adds the other numbers. Credits become Numbers here for bar lengths
// only: tooltips, tables and exports show the API's exact decimals.

import { describePeriod, formatDayMonth, formatMonth } from "./dates.js";
import { formatDecimal, formatInt } from "./format.js";

const BAR_COLOR = "#0f766e";
const COMMON = { animation: false, responsive: true, maintainAspectRatio: false };
const CREDITS = "Credits Consumed";

function others(row) {
  return [
    `Targeted Guests: ${formatInt(row.targetedGuests)}`,
    `Processed: ${formatInt(row.processed)}`,
  ];
}

function axisTitle(text) {
  return { display: true, text, font: { weight: "bold" } };
}

/** Credits per center, biggest first (the API's order), one labelled bar each. */
export function centerChart(rows) {
  return {
    type: "bar",
    data: {
      labels: rows.map((r) => r.center.name),
      datasets: [
        {
          label: CREDITS,
          data: rows.map((r) => Number(r.creditsConsumed)),
          backgroundColor: BAR_COLOR,
        },
      ],
    },
    options: {
      ...COMMON,
      indexAxis: "y",
      plugins: {
        legend: { display: false },
        tooltip: {
          callbacks: {
            label: (item) => `${CREDITS}: ${formatDecimal(rows[item.dataIndex].creditsConsumed)}`,
            afterLabel: (item) => others(rows[item.dataIndex]),
          },
        },
      },
      scales: {
        x: { beginAtZero: true, title: axisTitle(CREDITS) },
        y: { ticks: { autoSkip: false } },
      },
    },
  };
}

/** Credits per day, week or month (`unit`) as bars on one axis. */
export function periodChart(rows, unit) {
  const label = (row) => (unit === "month" ? formatMonth(row.start) : formatDayMonth(row.start));
  return {
    type: "bar",
    data: {
      labels: rows.map(label),
      datasets: [
        {
          label: CREDITS,
          data: rows.map((r) => Number(r.creditsConsumed)),
          backgroundColor: BAR_COLOR,
        },
      ],
    },
    options: {
      ...COMMON,
      plugins: {
        legend: { display: false },
        tooltip: {
          callbacks: {
            title: (items) => describePeriod(rows[items[0].dataIndex], unit),
            label: (item) => `${CREDITS}: ${formatDecimal(rows[item.dataIndex].creditsConsumed)}`,
            afterLabel: (item) => others(rows[item.dataIndex]),
          },
        },
      },
      scales: {
        y: { beginAtZero: true, title: axisTitle(CREDITS) },
        x: { ticks: { maxRotation: 0, autoSkip: true } },
      },
    },
  };
}

/** A height that gives every center bar room for its label. */
export function chartHeight(kind, rows) {
  return kind === "centers" ? Math.max(180, rows.length * 34 + 60) : 280;
}
