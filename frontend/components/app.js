// <cr-app>: who is signed in, which view the URL asks for, and the page frame around it.
// It owns the state (the URL) and hands it down; views ask for changes with events.

import { ApiError, SESSION_LOST, currentUser, graphql, signOut } from "../api.js";
import { html, render } from "../lib/html.js";
import { QUERY_VIEWER } from "../queries.js";
import { NAVIGATE, navigate, onRouteChange, readState } from "../router.js";
import { skeletonTable, skeletonTiles } from "./skeleton.js";

class App extends HTMLElement {
  #user = null;
  #viewer = null;
  #notice = "";
  #report = null;
  #drilldown = null;
  #balances = null;
  #account = null;
  #templates = null;

  connectedCallback() {
    onRouteChange(() => this.update());
    window.addEventListener(SESSION_LOST, () =>
      this.#showSignIn("Your session has ended. Sign in again."),
    );
    this.addEventListener(NAVIGATE, (event) => navigate(event.detail.patch, event.detail));
    this.addEventListener("cr-signed-in", () => this.#start());
    // Links inside the app change the state without a page load; modified clicks (new tab,
    // new window) and every other link behave as links do.
    this.addEventListener("click", (event) => {
      const link = event.target.closest("a[data-internal]");
      if (!link || event.defaultPrevented || event.button !== 0) return;
      if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
      event.preventDefault();
      history.pushState(null, "", link.getAttribute("href"));
      this.update({ moveFocus: true });
    });
    this.#start();
  }

  async #start() {
    render(this, bootView());
    try {
      this.#user = await currentUser();
      if (!this.#user) {
        this.#showSignIn(this.#notice);
        return;
      }
      this.#viewer = (await graphql(QUERY_VIEWER)).viewer;
    } catch (error) {
      this.#showFatal(error);
      return;
    }
    this.#notice = "";
    this.#renderShell();
    this.update();
  }

  #showSignIn(notice = "") {
    this.#user = null;
    this.#viewer = null;
    this.#report = null;
    this.#drilldown = null;
    this.#balances = null;
    this.#account = null;
    this.#templates = null;
    document.title = "Sign in · Credit consumption";
    render(this, html`<cr-sign-in></cr-sign-in>`);
    this.querySelector("cr-sign-in").notice = notice;
  }

  /** The app could not start (no network, the server down): the frame stays, with a way on. */
  #showFatal(error) {
    const message = error instanceof ApiError ? error.message : "Something went wrong.";
    document.title = "Credit consumption · Marketing";
    render(
      this,
      html`${frameHeader({ brand: "Credit consumption" })}
        <main id="main">
          <div class="state state-error fatal" role="alert">
            <h1>The report cannot be opened</h1>
            <p>${message}</p>
            <button type="button" class="button button-primary" data-action="retry">Try again</button>
          </div>
        </main>`,
    );
    this.querySelector("[data-action=retry]").addEventListener("click", () => this.#start());
  }

  #renderShell() {
    const viewer = this.#viewer;
    const scopeName = viewer.center?.name ?? viewer.zone?.name ?? viewer.organization.name;
    render(
      this,
      html`<a class="skip-link" href="#main">Skip to the report</a>
        ${frameHeader({
          brand: viewer.organization.name,
          balances: viewer.scopeKind === "ORGANIZATION",
          templates: true,
          account: html`<span class="account-email" title="Sees: ${scopeName}">${this.#user.email}</span>
            <a class="quiet-link" href="/graphql" target="_blank" rel="noopener">API explorer</a>
            <button type="button" class="button button-quiet" data-action="sign-out">Sign out</button>`,
        })}
        <main id="main">
          <cr-report></cr-report>
          <cr-drilldown hidden></cr-drilldown>
          <cr-balances hidden></cr-balances>
          <cr-account hidden></cr-account>
          <cr-template-checker hidden></cr-template-checker>
        </main>`,
    );
    this.#report = this.querySelector("cr-report");
    this.#drilldown = this.querySelector("cr-drilldown");
    this.#balances = this.querySelector("cr-balances");
    this.#account = this.querySelector("cr-account");
    this.#templates = this.querySelector("cr-template-checker");
    for (const view of this.#views()) {
      view.viewer = viewer;
    }
    this.querySelector("[data-action=sign-out]").addEventListener("click", async (event) => {
      event.currentTarget.disabled = true;
      try {
        await signOut();
      } finally {
        history.replaceState(null, "", "/");
        this.#showSignIn("You have signed out.");
      }
    });
  }

  /** Show the view the URL names; `moveFocus` after in-app navigation, for keyboard users. */
  update({ moveFocus = false } = {}) {
    if (!this.#report) return;
    const state = readState();
    const views = {
      centers: this.#drilldown,
      dates: this.#drilldown,
      balances: this.#balances,
      account: this.#account,
      templates: this.#templates,
    };
    const shown = views[state.view] ?? this.#report;
    for (const view of this.#views()) {
      view.hidden = view !== shown;
    }
    const section =
      shown === this.#templates
        ? "templates"
        : shown === this.#balances || shown === this.#account
          ? "balances"
          : "report";
    for (const link of this.querySelectorAll(".app-nav a[data-section]")) {
      if (link.dataset.section === section) link.setAttribute("aria-current", "page");
      else link.removeAttribute("aria-current");
    }
    shown.state = state;
    if (moveFocus) shown.focusHeading();
  }

  #views() {
    return [this.#report, this.#drilldown, this.#balances, this.#account, this.#templates];
  }
}

/** The page's header: brand, where this is, and the account's links when there is one. */
function frameHeader({ brand, account = "", balances = false, templates = false }) {
  return html`<header class="app-header">
    <div class="brand">
      <img src="/favicon.svg" alt="" width="28" height="28">
      <span>${brand}</span>
    </div>
    <nav class="app-nav ${balances || templates ? "with-sections" : ""}" aria-label="Sections">
      <span class="nav-section">Marketing</span>
      <span class="nav-arrow" aria-hidden="true">›</span>
      <a href="/" data-internal data-section="report" aria-current="page">Credit consumption</a>
      ${
        // Accounts are organization-level: zone and center users are not offered them.
        balances
          ? html`<a href="/?view=balances" data-internal data-section="balances">Balances</a>`
          : ""
      }
      ${templates ? html`<a href="/?view=templates" data-internal data-section="templates">Template checker</a>` : ""}
    </nav>
    <div class="account">${account}</div>
  </header>`;
}

/** What shows while the app finds out who is signed in: the page's shape, not a bare word. */
function bootView() {
  return html`<div class="boot" role="status" aria-live="polite">
    <span class="visually-hidden">Loading the report…</span>
    <div class="boot-header" aria-hidden="true"></div>
    <div class="boot-main" aria-hidden="true">
      <span class="skeleton skeleton-title"></span>
      <div class="tiles">${skeletonTiles()}</div>
      ${skeletonTable()}
    </div>
  </div>`;
}

export function registerApp() {
  customElements.define("cr-app", App);
}
