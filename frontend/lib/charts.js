// Chart.js configurations for the drilldowns. Credits become Numbers here for bar lengths
// only: the numbers people read and export stay the API's exact decimal strings.

import { formatDate } from "./dates.js";

const BAR_COLOR = "#0f766e";
const LINE_COLOR = "#b45309";
const COMMON = { animation: false, responsive: true, maintainAspectRatio: false };

/** Credits per center, biggest first (the API's order), one labelled bar each. */
export function centerChart(rows) {
  return {
    type: "bar",
    data: {
      labels: rows.map((r) => r.center.name),
      datasets: [
        {
          label: "Credits consumed",
          data: rows.map((r) => Number(r.creditsConsumed)),
          backgroundColor: BAR_COLOR,
        },
      ],
    },
    options: {
      ...COMMON,
      indexAxis: "y",
      plugins: { legend: { display: false } },
      scales: {
        x: { beginAtZero: true, title: { display: true, text: "Credits consumed" } },
        y: { ticks: { autoSkip: false } },
      },
    },
  };
}

/** Credits per business date as bars, targeted guests as a line on an axis of its own. */
export function dateChart(rows) {
  return {
    type: "bar",
    data: {
      labels: rows.map((r) => formatDate(r.date)),
      datasets: [
        {
          type: "bar",
          label: "Credits consumed",
          data: rows.map((r) => Number(r.creditsConsumed)),
          backgroundColor: BAR_COLOR,
          yAxisID: "credits",
          order: 2,
        },
        {
          type: "line",
          label: "Targeted guests",
          data: rows.map((r) => r.targetedGuests),
          borderColor: LINE_COLOR,
          backgroundColor: LINE_COLOR,
          pointRadius: rows.length > 60 ? 0 : 2,
          yAxisID: "guests",
          order: 1,
        },
      ],
    },
    options: {
      ...COMMON,
      interaction: { mode: "index", intersect: false },
      scales: {
        credits: { position: "left", beginAtZero: true, title: { display: true, text: "Credits" } },
        guests: {
          position: "right",
          beginAtZero: true,
          grid: { drawOnChartArea: false },
          title: { display: true, text: "Guests" },
        },
        x: { ticks: { maxRotation: 0, autoSkip: true } },
      },
    },
  };
}

/** A height that gives every center bar room for its label. */
export function chartHeight(kind, rows) {
  return kind === "centers" ? Math.max(180, rows.length * 34 + 60) : 280;
}
