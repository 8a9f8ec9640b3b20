// Where credits go: the flow chart's configuration (credits per day stacked by channel) and
// the change of a number against the previous period. Changes are worked out on the exact
// values (credits as integer ten-thousandths in BigInt), so "+12%" is the rounded exact ratio;
// credits become Numbers only for bar lengths.

import { formatDayMonth, formatDate } from "./dates.js";
import { formatDecimal, label } from "./format.js";

export const CHANNEL_COLORS = { SMS: "#0f766e", WHATSAPP: "#1d4ed8", EMAIL: "#b45309" };
const CREDITS = "Credits Consumed";

function tenThousandths(value) {
  const match = /^(-?)(\d+)(?:\.(\d+))?$/.exec(String(value));
  if (!match) return 0n;
  const places = (match[3] ?? "").padEnd(4, "0").slice(0, 4);
  const amount = BigInt(match[2] + places);
  return match[1] ? -amount : amount;
}

/**
 * `{text, trend}` for `current` against `previous` (counts or decimal strings): "+12%",
 * "−5%" (rounded half away from zero), "no change", or "new" when the previous period had
 * none; `trend` is up, down or flat.
 */
export function change(current, previous) {
  const now = tenThousandths(current);
  const before = tenThousandths(previous);
  if (now === before) return { text: "no change", trend: "flat" };
  if (before === 0n) return { text: "new", trend: "up" };
  const difference = now - before;
  const size = difference < 0n ? -difference : difference;
  const percent = (size * 200n + before) / (2n * before);
  const sign = difference < 0n ? "−" : "+";
  const text = percent === 0n ? `${sign}<1%` : `${sign}${percent.toLocaleString("en-US")}%`;
  return { text, trend: difference < 0n ? "down" : "up" };
}

/** "previous 30 days", "previous day": the period a change compares with. */
export function previousPeriodName(days) {
  return days === 1 ? "previous day" : `previous ${days.toLocaleString("en-US")} days`;
}

/**
 * Bars per day stacked by channel. `days`: the flow's rows ({date, creditsConsumed, …});
 * `series`: [{channel, rows}] with one row per day of `days`.
 */
export function flowChart(days, series) {
  return {
    type: "bar",
    data: {
      labels: days.map((d) => formatDayMonth(d.date)),
      datasets: series.map(({ channel, rows }) => ({
        label: label(channel),
        data: rows.map((r) => Number(r.creditsConsumed)),
        backgroundColor: CHANNEL_COLORS[channel],
        stack: "credits",
      })),
    },
    options: {
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      interaction: { mode: "index", intersect: false },
      plugins: {
        legend: { position: "bottom" },
        tooltip: {
          callbacks: {
            title: (items) => formatDate(days[items[0].dataIndex].date),
            label: (item) =>
              `${item.dataset.label}: ${formatDecimal(series[item.datasetIndex].rows[item.dataIndex].creditsConsumed)}`,
            footer: (items) =>
              `All channels: ${formatDecimal(days[items[0].dataIndex].creditsConsumed)}`,
          },
        },
      },
      scales: {
        x: { stacked: true, ticks: { maxRotation: 0, autoSkip: true } },
        y: {
          stacked: true,
          beginAtZero: true,
          title: { display: true, text: CREDITS, font: { weight: "bold" } },
        },
      },
    },
  };
}

/** "42%": `part`'s share of `whole` (decimal strings), rounded half up; "—" when whole is 0. */
export function share(part, whole) {
  const total = tenThousandths(whole);
  if (total <= 0n) return "—";
  const percent = (tenThousandths(part) * 200n + total) / (2n * total);
  return `${percent}%`;
}
