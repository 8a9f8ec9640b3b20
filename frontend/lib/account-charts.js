// The two small pictures of an account, as inline SVG in the page's colours: a burn sparkline
// (credits consumed per day) and a statement's waterfall. Credits become Numbers here for
// geometry only; every number written next to them is the API's exact decimal.

import { formatDate } from "./dates.js";
import { formatDecimal } from "./format.js";
import { html } from "./html.js";

const SPARK_WIDTH = 300;
const SPARK_HEIGHT = 48;

/** `days`: `[{date, consumed}]`, ascending. */
export function sparkline(days) {
  if (!days.length) return "";
  const values = days.map((d) => Number(d.consumed));
  const top = Math.max(...values);
  const step = days.length > 1 ? SPARK_WIDTH / (days.length - 1) : 0;
  const y = (v) => (top > 0 ? SPARK_HEIGHT - 2 - (v / top) * (SPARK_HEIGHT - 4) : SPARK_HEIGHT - 2);
  const points = values.map((v, i) => `${(i * step).toFixed(1)},${y(v).toFixed(1)}`).join(" ");
  const area = `0,${SPARK_HEIGHT} ${points} ${SPARK_WIDTH},${SPARK_HEIGHT}`;
  const peak = days[values.indexOf(top)];
  const description =
    top > 0
      ? `Credits consumed per day, ${formatDate(days[0].date)} to ${formatDate(days.at(-1).date)}; highest ${formatDecimal(peak.consumed)} on ${formatDate(peak.date)}.`
      : "No credits consumed in the last 30 days.";
  return html`<svg class="sparkline" viewBox="0 0 ${SPARK_WIDTH} ${SPARK_HEIGHT}"
      preserveAspectRatio="none" role="img" aria-label="${description}">
    <polygon points="${area}" class="sparkline-area"></polygon>
    <polyline points="${points}" class="sparkline-line" vector-effect="non-scaling-stroke"></polyline>
  </svg>`;
}

function signed(credits) {
  const text = formatDecimal(credits);
  return text.startsWith("-") || text === "0" ? text.replace("-", "−") : `+${text}`;
}

/** `steps` from `waterfallSteps`: one row each, its bar floating from before to after. */
export function waterfall(steps) {
  const ends = steps.flatMap((s) => [Number(s.before), Number(s.after)]);
  const low = Math.min(0, ...ends);
  const high = Math.max(0, ...ends);
  const span = high - low || 1;
  const x = (v) => ((v - low) / span) * 1000;
  return html`<ol class="waterfall" data-testid="waterfall">
    ${steps.map((s) => {
      const from = x(Math.min(Number(s.before), Number(s.after)));
      const to = x(Math.max(Number(s.before), Number(s.after)));
      const shown = s.kind === "total" ? formatDecimal(s.credits).replace("-", "−") : signed(s.credits);
      return html`<li class="waterfall-step waterfall-${s.kind}" data-step="${s.key}"
          data-credits="${s.credits}">
        <span class="waterfall-title">${s.title}</span>
        <span class="waterfall-value">${shown}</span>
        <svg class="waterfall-bar" viewBox="0 0 1000 20" preserveAspectRatio="none" aria-hidden="true">
          <line x1="${x(0).toFixed(1)}" x2="${x(0).toFixed(1)}" y1="0" y2="20" class="waterfall-zero"></line>
          <rect x="${from.toFixed(1)}" width="${Math.max(2, to - from).toFixed(1)}" y="3" height="14"></rect>
        </svg>
      </li>`;
    })}
  </ol>`;
}
