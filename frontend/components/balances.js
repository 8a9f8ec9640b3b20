// <cr-balances>: Marketing > Balances, one card per credit account: its balance (an overdraft
// said as such), the last 30 days of burn, and the runway with its range. A card's name opens
// the account's statement. Accounts are organization-level: a zone or center user who follows
// a link here is told so instead of being shown an error.

import { ApiError, graphql } from "../api.js";
import { ACCOUNT_CHANGED } from "../lib/account-input.js";
import { describeBalance, describeRunway } from "../lib/accounts.js";
import { sparkline } from "../lib/account-charts.js";
import { addDays } from "../lib/dates.js";
import { html, render } from "../lib/html.js";
import { apiProblem } from "../lib/problems.js";
import { organizationToday } from "../lib/scope.js";
import { QUERY_CREDIT_ACCOUNTS } from "../queries.js";
import { DEFAULTS, toSearch } from "../router.js";
import { handleProblemActions, problemState } from "./problem-state.js";
import { skeletonTiles } from "./skeleton.js";

export const BURN_DAYS = 30;

/** The view a zone or center user gets for any link into the accounts. */
export function notForScope(viewer) {
  const own = viewer.center ?? viewer.zone;
  return html`<section class="view" aria-labelledby="accounts-title">
    <header class="view-head">
      <p class="eyebrow">Marketing</p>
      <h1 id="accounts-title" tabindex="-1">Balances</h1>
    </header>
    <div class="state state-empty" role="alert" data-testid="not-for-scope">
      <p><strong>Balances are not available for your scope.</strong> Credit accounts are kept
      for the whole organization; you see ${own?.name ?? "part of it"}.</p>
      <div class="state-actions">
        <a class="button button-primary" href="/" data-internal>Go to Credit consumption</a>
      </div>
    </div>
  </section>`;
}

class Balances extends HTMLElement {
  #viewer = null;
  #state = { ...DEFAULTS };
  #accounts = null;
  #error = null;
  #loading = false;
  #request = 0;
  #loadedFor = "";
  // An administrator changed an account in its own view: these cards are stale.
  #onAccountChanged = () => {
    this.#loadedFor = "";
  };

  connectedCallback() {
    document.addEventListener(ACCOUNT_CHANGED, this.#onAccountChanged);
  }

  disconnectedCallback() {
    document.removeEventListener(ACCOUNT_CHANGED, this.#onAccountChanged);
  }

  set viewer(viewer) {
    this.#viewer = viewer;
  }

  set state(state) {
    this.#state = state;
    document.title = "Balances · Marketing";
    if (this.#viewer.scopeKind !== "ORGANIZATION") {
      this.setAttribute("aria-busy", "false");
      render(this, notForScope(this.#viewer));
      return;
    }
    if (!this.querySelector("[data-slot=cards]")) this.#build();
    this.#load();
  }

  focusHeading() {
    this.querySelector("h1")?.focus();
  }

  #build() {
    render(
      this,
      html`<section class="view balances-view" aria-labelledby="balances-title">
        <header class="view-head">
          <p class="eyebrow">Marketing</p>
          <h1 id="balances-title" tabindex="-1">Balances</h1>
          <p class="muted">Every credit account of ${this.#viewer.organization.name}: what is
          left, the last ${BURN_DAYS} days of burn and when it runs out at that pace.</p>
          ${
            this.#viewer.canManageAccounts
              ? html`<p class="muted" data-testid="manage-hint">Open an account to record a
                  purchase, grant, adjustment or expiry, or to manage its alerts.</p>`
              : ""
          }
          <p class="time-note muted" data-slot="time-note"></p>
        </header>
        <p class="muted" data-slot="status" role="status"></p>
        <div data-slot="cards" class="account-cards"></div>
      </section>`,
    );
    handleProblemActions(this.querySelector("[data-slot=cards]"), {
      retry: () => this.#load({ force: true }),
    });
  }

  async #load({ force = false } = {}) {
    if (this.hidden) return;
    // Today in the organization: the burn window moves at its midnight.
    const today = organizationToday(this.#viewer);
    if (today === this.#loadedFor && this.#accounts && !force) {
      this.#render();
      return;
    }
    const request = (this.#request += 1);
    this.#loading = true;
    this.#error = null;
    this.#render();
    try {
      const burnRange = { start: addDays(today, -(BURN_DAYS - 1)), end: today };
      const data = await graphql(QUERY_CREDIT_ACCOUNTS, { burnRange });
      if (request !== this.#request) return;
      this.#accounts = data.creditAccounts;
      this.#loadedFor = today;
    } catch (error) {
      if (request !== this.#request) return;
      this.#error = error;
    }
    this.#loading = false;
    this.#render();
  }

  #render() {
    const cards = this.querySelector("[data-slot=cards]");
    const status = this.querySelector("[data-slot=status]");
    const zone = this.#viewer.organization.timezone;
    this.querySelector("[data-slot=time-note]").textContent =
      `Days are business dates in ${zone} (the organization's time zone).`;
    this.setAttribute("aria-busy", String(this.#loading));
    if (this.#error) {
      status.textContent = "";
      const error = this.#error;
      const message = error instanceof ApiError ? error.message : String(error);
      const { retry } = apiProblem(error, { keys: {}, reset: {} });
      render(cards, problemState({ title: "The balances could not be loaded.", message, retry }));
      return;
    }
    if (!this.#accounts) {
      status.textContent = "Loading balances…";
      render(cards, html`<div class="tiles">${skeletonTiles(3)}</div>`);
      return;
    }
    status.textContent = this.#loading ? "Updating…" : "";
    if (!this.#accounts.length) {
      render(
        cards,
        html`<div class="state state-empty"><p><strong>No credit accounts yet.</strong> An
          account appears with the first campaign or transaction on a credit source.</p></div>`,
      );
      return;
    }
    render(cards, this.#accounts.map((a) => this.#card(a)));
  }

  #card(account) {
    const { creditSource, balance, forecast, statement, alerts } = account;
    const shown = describeBalance(balance);
    const runway = describeRunway(forecast);
    const firing = alerts.filter((a) => a.state === "FIRING").length;
    const href = `/${toSearch({ ...DEFAULTS, view: "account", account: creditSource.id })}`;
    return html`<article class="account-card ${shown.overdrawn ? "overdrawn" : ""}"
        data-account="${creditSource.id}" aria-labelledby="card-${creditSource.id}">
      <h2 class="account-name" id="card-${creditSource.id}">
        <a href="${href}" data-internal>${creditSource.name}</a>
      </h2>
      <p class="account-balance">
        <span class="tile-label">Balance</span>
        <span class="balance-value ${shown.overdrawn ? "negative" : ""}" data-testid="balance"
          data-value="${balance}">${shown.text}</span>
      </p>
      <figure class="burn">
        ${sparkline(statement.days)}
        <figcaption class="muted">Credits consumed per day, last ${BURN_DAYS} days</figcaption>
      </figure>
      <p class="runway" data-testid="runway" data-days-left="${forecast.daysLeft ?? ""}">
        <strong>${runway.headline}</strong>
        <span class="muted">${runway.detail}</span>
      </p>
      <p class="account-alerts muted">
        ${
          alerts.length
            ? html`${alerts.length === 1 ? "1 alert" : `${alerts.length} alerts`}${
                firing ? html` · <span class="alert-firing">${firing} firing</span>` : ""
              }`
            : "No alerts"
        }
        · <a href="${href}" data-internal>Statement and transactions ›</a>
      </p>
    </article>`;
  }
}

export function registerBalances() {
  customElements.define("cr-balances", Balances);
}
