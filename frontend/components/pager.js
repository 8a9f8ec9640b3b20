// <cr-pager>: rows per page, where this page sits, Previous and Next. Relay cursors only go
// forward, so the owner keeps the cursors behind it; this element only says what was asked:
// `cr-page` with `{direction: "next" | "previous"}` and `cr-page-size` with `{size}`.

import { formatInt } from "../lib/format.js";
import { html, render } from "../lib/html.js";

export const PAGE_SIZES = ["10", "25", "50", "100"];

class Pager extends HTMLElement {
  connectedCallback() {
    this.setAttribute("role", "navigation");
    this.setAttribute("aria-label", "Pages");
    this.addEventListener("click", (event) => {
      const button = event.target.closest("button[data-page]");
      if (button) this.#emit("cr-page", { direction: button.dataset.page });
    });
    this.addEventListener("change", (event) => {
      if (event.target.dataset.control === "size")
        this.#emit("cr-page-size", { size: event.target.value });
    });
  }

  #emit(type, detail) {
    this.dispatchEvent(new CustomEvent(type, { bubbles: true, detail }));
  }

  /** `{page, size, shown, totalCount, hasNextPage}`, or null to show nothing. */
  set data(data) {
    if (!data) {
      render(this, "");
      return;
    }
    const hadFocus = this.contains(document.activeElement);
    const { page, size, shown, totalCount, hasNextPage } = data;
    const first = (page - 1) * size + 1;
    const pages = Math.max(1, Math.ceil(totalCount / size));
    render(
      this,
      html`<label class="page-size">Rows per page
          <select data-control="size" data-focus="size">
            ${PAGE_SIZES.map(
              (n) =>
                html`<option value="${n}" ${String(size) === n ? "selected" : ""}>${n}</option>`,
            )}
          </select>
        </label>
        <span class="page-text" data-testid="page-text">
          ${formatInt(first)}–${formatInt(first + shown - 1)} of ${formatInt(totalCount)}
          · page ${page} of ${pages}
        </span>
        <span class="page-buttons">
          <button type="button" class="button" data-page="previous" data-focus="previous"
            ${page > 1 ? "" : "disabled"}>‹ Previous</button>
          <button type="button" class="button" data-page="next" data-focus="next"
            ${hasNextPage ? "" : "disabled"}>Next ›</button>
        </span>`,
    );
    // On the last page Next is disabled and cannot keep focus: the other button takes it,
    // so a keyboard user is not dropped at the top of the document.
    if (hadFocus && !this.contains(document.activeElement)) {
      (this.querySelector("button:not(:disabled)") ?? this.querySelector("select")).focus();
    }
  }
}

export function registerPager() {
  customElements.define("cr-pager", Pager);
}
