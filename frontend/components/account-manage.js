// <cr-account-manage>: an administrator's controls on one account, shown only to viewers who
// `canManageAccounts`: buttons that open the form to record a transaction and the form to add
// an alert, each in a panel of its own (Close or Escape shuts it and returns to its button).
// The account view hands down the account (`context`) and asks it to change or delete an alert
// (`editAlert`, `deleteAlert`); the forms' `cr-account-changed` bubbles on up to the view,
// which loads the account again.

import { FORM_CLOSED } from "../lib/account-input.js";
import { html, render } from "../lib/html.js";
import { registerAlertForm } from "./alert-form.js";
import { registerTransactionForm } from "./transaction-form.js";

const PANELS = ["transaction", "alert"];

class AccountManage extends HTMLElement {
  #built = false;

  /** `{creditSource: {id, name}, timeZone}` of the account shown. */
  set context({ creditSource, timeZone }) {
    if (!this.#built) this.#build();
    this.querySelector("cr-transaction-form").context = { creditSource, timeZone };
    this.querySelector("cr-alert-form").creditSource = creditSource;
  }

  editAlert(alert) {
    this.querySelector("cr-alert-form").edit(alert);
    this.#open("alert");
  }

  deleteAlert(alert) {
    this.querySelector("cr-alert-form").confirmDelete(alert);
    this.#open("alert");
  }

  #build() {
    this.#built = true;
    render(
      this,
      html`<div class="manage-actions" role="group" aria-label="Manage this account">
          <button type="button" class="button" data-panel="transaction" aria-expanded="false"
            aria-controls="manage-transaction">Record a transaction</button>
          <button type="button" class="button" data-panel="alert" aria-expanded="false"
            aria-controls="manage-alert">Add an alert</button>
        </div>
        <div class="manage-panel" id="manage-transaction" data-panel-body="transaction" hidden>
          <cr-transaction-form></cr-transaction-form>
        </div>
        <div class="manage-panel" id="manage-alert" data-panel-body="alert" hidden>
          <cr-alert-form></cr-alert-form>
        </div>`,
    );
    for (const button of this.querySelectorAll("button[data-panel]")) {
      button.addEventListener("click", () => {
        const name = button.dataset.panel;
        if (this.#isOpen(name)) {
          this.#close(name);
          return;
        }
        // The button says "Add an alert": it opens a blank one, whatever was open before.
        if (name === "alert") this.querySelector("cr-alert-form").create();
        this.#open(name);
      });
    }
    // Escape closes the open form, as the Close button does.
    this.addEventListener("keydown", (event) => {
      const panel = event.target.closest("[data-panel-body]");
      if (event.key !== "Escape" || !panel) return;
      event.preventDefault();
      this.#close(panel.dataset.panelBody, { returnFocus: true });
    });
    this.addEventListener(FORM_CLOSED, (event) => {
      event.stopPropagation();
      const panel = event.target.closest("[data-panel-body]");
      if (panel) this.#close(panel.dataset.panelBody, { returnFocus: true });
    });
  }

  #isOpen(name) {
    return !this.querySelector(`[data-panel-body=${name}]`).hidden;
  }

  #open(name) {
    for (const other of PANELS) {
      if (other !== name) this.#close(other);
    }
    const body = this.querySelector(`[data-panel-body=${name}]`);
    body.hidden = false;
    this.querySelector(`button[data-panel=${name}]`).setAttribute("aria-expanded", "true");
    body.firstElementChild.focusFirst();
    body.scrollIntoView({ block: "nearest" });
  }

  #close(name, { returnFocus = false } = {}) {
    const button = this.querySelector(`button[data-panel=${name}]`);
    this.querySelector(`[data-panel-body=${name}]`).hidden = true;
    button.setAttribute("aria-expanded", "false");
    if (returnFocus) button.focus();
  }
}

/** The element and the two forms it holds. */
export function registerAccountManage() {
  registerTransactionForm();
  registerAlertForm();
  customElements.define("cr-account-manage", AccountManage);
}
