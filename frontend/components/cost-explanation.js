// <cr-cost-explanation>: the "Why this cost" panel of a campaign's drilldown. Given the
// campaign, scope and window the drilldown shows (`request`), it asks `costExplanation` and
// shows what multiplied the credits: segments, countries, WhatsApp categories and outcomes as
// small tables with a share bar each, the credits of messages that never arrived, the
// messages billed off the rate card, and for a UCS-2 SMS template its forcing characters and
// what the GSM-7 rewrite would have saved.

import { ApiError, graphql } from "../api.js";
import { formatDecimal, formatInt } from "../lib/format.js";
import { html, render } from "../lib/html.js";
import { QUERY_COST_EXPLANATION } from "../queries.js";
import { highlighted } from "./template-checker.js";

const REGIONS = new Intl.DisplayNames(["en"], { type: "region" });
const OUTCOMES = { PROCESSED: "Processed", FAILED: "Failed", SKIPPED: "Skipped" };
const CATEGORIES = {
  MARKETING: "Marketing",
  UTILITY: "Utility",
  AUTHENTICATION: "Authentication",
  SERVICE: "Service",
};

/** Credits as a fraction of the total, for a bar: exact digits are not needed to draw it. */
function share(credits, total) {
  const whole = Number(total);
  return whole > 0 ? Number(credits) / whole : 0;
}

function countryName(code) {
  if (code === null) return "Not recorded";
  try {
    return `${REGIONS.of(code)} (${code})`;
  } catch {
    return code;
  }
}

const SPLITS = [
  {
    key: "byUnits",
    title: "By segments per message",
    head: "Segments",
    name: (row) => (row.unitsPerMessage === 1 ? "1 segment" : `${row.unitsPerMessage} segments`),
  },
  { key: "byCountry", title: "By country", head: "Country", name: (r) => countryName(r.countryCode) },
  {
    key: "byCategory",
    title: "By WhatsApp category",
    head: "Category",
    name: (row) => (row.category === null ? "Not recorded" : CATEGORIES[row.category]),
    only: "WHATSAPP",
  },
  { key: "byOutcome", title: "By outcome", head: "Outcome", name: (r) => OUTCOMES[r.outcome] },
];

class CostExplanation extends HTMLElement {
  #key = ""; // what the answer on screen is for
  #request = 0;
  #answer = undefined; // the campaign as answered; null when it is not in scope
  #error = null;
  #asked = null; // the drilldown's campaign, scope and window
  #askedKey = "";

  // Collapsed until opened: the explanation groups every message of the campaign in the
  // database, so it is asked for only by those who want it, and again only on a change.
  connectedCallback() {
    if (this.querySelector("details")) return;
    render(
      this,
      html`<details class="cost-explanation" data-testid="cost-explanation">
        <summary><h2>Why this cost</h2><span class="muted">segments, countries, categories,
          outcomes, the rate card and the template</span></summary>
        <div data-slot="costs" aria-live="polite"></div>
      </details>`,
    );
    this.querySelector("details").addEventListener("toggle", () => this.#loadIfOpen());
    this.addEventListener("click", (event) => {
      if (event.target.closest("button[data-action=retry-costs]")) this.#loadIfOpen(true);
    });
  }

  /** `{id, scope, window}` of the drilldown. */
  set request({ id, scope, window }) {
    this.#asked = { id, scope, window };
    this.#askedKey = JSON.stringify([id, scope.zoneId, scope.centerId, window]);
    this.#loadIfOpen();
  }

  #loadIfOpen(force = false) {
    const details = this.querySelector("details");
    if (!details?.open || !this.#asked) return;
    if (this.#askedKey === this.#key && !force) return;
    this.#key = this.#askedKey;
    this.#load(this.#asked);
  }

  async #load({ id, scope, window }) {
    const request = (this.#request += 1);
    this.setAttribute("aria-busy", "true");
    this.#answer = undefined;
    this.#render();
    try {
      const data = await graphql(QUERY_COST_EXPLANATION, {
        id,
        zoneId: scope.zoneId,
        centerId: scope.centerId,
        dateRange: window,
      });
      if (request !== this.#request) return;
      this.#answer = data.campaign;
      this.#error = null;
    } catch (error) {
      if (request !== this.#request) return;
      this.#error = error;
      this.#key = "";
    }
    this.setAttribute("aria-busy", "false");
    this.#render();
  }

  #render() {
    const campaign = this.#answer;
    let body;
    if (this.#error) {
      const message = this.#error instanceof ApiError ? this.#error.message : String(this.#error);
      body = html`<div class="state state-error" role="alert">
        <p><strong>Why this campaign cost what it cost could not be loaded.</strong> ${message}</p>
        <div class="state-actions"><button type="button" class="button" data-action="retry-costs">Retry</button></div>
      </div>`;
    } else if (campaign === undefined) {
      body = html`<p class="muted" role="status">Loading…</p>`;
    } else if (campaign === null || campaign.costExplanation.messages === 0) {
      body = html`<p class="muted">No messages in this window: nothing to explain.</p>`;
    } else {
      body = explanationView(campaign);
    }
    render(this.querySelector("[data-slot=costs]"), body);
  }
}

function explanationView(campaign) {
  const cost = campaign.costExplanation;
  const splits = SPLITS.filter((s) => !s.only || s.only === campaign.channel);
  return html`<div class="tiles cost-tiles">
      <div class="tile tile-main">
        <span class="tile-label">Credits per processed message</span>
        <span class="tile-value" data-testid="cost-per-processed">${cost.creditsPerProcessed === null ? "–" : formatDecimal(cost.creditsPerProcessed)}</span>
        <span class="muted">${formatDecimal(cost.credits)} credits over ${formatInt(cost.processed)} processed · ${formatInt(cost.units)} units billed</span>
      </div>
      <div class="tile ${Number(cost.wastedCredits) > 0 ? "tile-warning" : ""}">
        <span class="tile-label">Wasted on failed and skipped</span>
        <span class="tile-value" data-testid="cost-wasted">${formatDecimal(cost.wastedCredits)}</span>
        <span class="muted">credits of messages that never arrived</span>
      </div>
      <div class="tile ${cost.rateMismatches > 0 ? "tile-warning" : ""}">
        <span class="tile-label">Billed off the rate card</span>
        <span class="tile-value" data-testid="cost-mismatches">${formatInt(cost.rateMismatches)}</span>
        <span class="muted">${cost.ratedMessages === 0 ? "no rate card prices these messages" : html`of ${formatInt(cost.ratedMessages)} rated messages; the card says ${formatDecimal(cost.expectedCredits)} credits`}</span>
      </div>
      <div class="tile">
        <span class="tile-label">Potential savings</span>
        <span class="tile-value" data-testid="cost-savings">${formatDecimal(cost.potentialSavings)}</span>
        <span class="muted">had every processed SMS used the GSM-7 rewrite</span>
      </div>
    </div>
    ${templateView(campaign)}
    <div class="cost-splits">${splits.map((split) => splitTable(split, cost[split.key], cost.credits))}</div>`;
}

function splitTable(split, rows, total) {
  return html`<table class="cost-split" data-testid="cost-${split.key}">
    <caption>${split.title}</caption>
    <thead><tr><th scope="col">${split.head}</th><th scope="col" class="num">Messages</th>
      <th scope="col" class="num">Units</th><th scope="col" class="num">Credits</th>
      <th scope="col"><span class="visually-hidden">Share of credits</span></th></tr></thead>
    <tbody>${rows.map((row) => {
      const part = share(row.credits, total);
      return html`<tr>
        <th scope="row">${split.name(row)}</th>
        <td class="num">${formatInt(row.messages)}</td>
        <td class="num">${formatInt(row.units)}</td>
        <td class="num">${formatDecimal(row.credits)}</td>
        <td><meter min="0" max="1" value="${part}" title="${Math.round(part * 100)}% of the credits">${Math.round(part * 100)}%</meter></td>
      </tr>`;
    })}</tbody>
  </table>`;
}

function templateView(campaign) {
  const analysis = campaign.templateCost;
  if (!analysis) return "";
  if (analysis.encoding === "GSM_7") {
    return html`<p class="template-ok">The template is GSM-7: ${analysis.segments === 1 ? "1 segment" : `${analysis.segments} segments`} a message, nothing to rewrite.</p>`;
  }
  const rewrite =
    analysis.gsm7RewriteSegments === null
      ? html`No GSM-7 rewrite: some characters have no look-alike.`
      : html`The GSM-7 rewrite takes <strong>${analysis.gsm7RewriteSegments}</strong> instead of
        <strong>${analysis.segments}</strong> segments a message.`;
  return html`<div class="cost-template">
    <h3 class="template-heading">The template is UCS-2 (${analysis.segments} segments a message)</h3>
    <p class="template-preview" data-testid="cost-template">${highlighted(campaign.template, analysis.ucs2Characters)}</p>
    <p class="muted">Highlighted: ${analysis.ucs2Characters.map((c) => `${c.character} ${c.codePoint}`).join(", ")}. ${rewrite}</p>
  </div>`;
}

export function registerCostExplanation() {
  customElements.define("cr-cost-explanation", CostExplanation);
}
