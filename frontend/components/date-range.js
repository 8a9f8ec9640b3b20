// <cr-date-range>: a preset (last 7/30/90 days, this or last month, all time) or a custom
// window, which ends today at the latest. Presets are resolved against `today` in the
// organization's time zone. Emits `cr-range-change` with `{preset, start, end}`; the owner
// decides what to do with it.

import {
  PRESETS,
  customRangeProblem,
  describeRange,
  isIsoDate,
  isPreset,
  resolveRange,
} from "../lib/dates.js";
import { html, render } from "../lib/html.js";

let nextId = 0;

class DateRange extends HTMLElement {
  #value = { preset: "last-30-days", start: "", end: "" };
  #today = "";
  #id = `range-${(nextId += 1)}`;
  #built = false;

  set today(iso) {
    this.#today = iso;
    this.update();
  }

  set value(value) {
    this.#value = { ...value };
    this.update();
  }

  connectedCallback() {
    if (this.#built) return;
    this.#built = true;
    const id = this.#id;
    render(
      this,
      html`<div class="date-range" role="group" aria-labelledby="${id}-legend">
        <span class="field-label" id="${id}-legend">${this.getAttribute("label") ?? "Date range"}</span>
        <div class="date-range-controls">
          <select data-part="preset" aria-label="Date range preset">
            ${PRESETS.map((p) => html`<option value="${p.key}">${p.label}</option>`)}
          </select>
          <span class="custom-dates" data-part="custom" hidden>
            <label class="visually-hidden" for="${id}-start">From</label>
            <input type="date" id="${id}-start" data-part="start" required>
            <span aria-hidden="true">–</span>
            <label class="visually-hidden" for="${id}-end">To</label>
            <input type="date" id="${id}-end" data-part="end" required>
          </span>
        </div>
        <span class="range-text muted" data-part="text" aria-live="polite"></span>
      </div>`,
    );
    this.#part("preset").addEventListener("change", (event) =>
      this.#choosePreset(event.target.value),
    );
    for (const name of ["start", "end"]) {
      this.#part(name).addEventListener("change", () => this.#chooseDates());
    }
    this.update();
  }

  #part(name) {
    return this.querySelector(`[data-part=${name}]`);
  }

  #choosePreset(preset) {
    if (preset === "custom") {
      // Start from the window on screen, so "custom" means "adjust this".
      const shown =
        resolveRange(this.#value, this.#today) ??
        resolveRange({ preset: "last-30-days" }, this.#today);
      this.#emit({ preset, start: shown.start, end: shown.end });
      this.#part("start").focus();
    } else {
      this.#emit({ preset, start: "", end: "" });
    }
  }

  #chooseDates() {
    const start = this.#part("start").value;
    const end = this.#part("end").value;
    if (!isIsoDate(start) || !isIsoDate(end)) return;
    const problem = customRangeProblem(start, end, this.#today);
    if (problem) {
      this.#part("text").textContent = problem;
      this.#part("text").classList.add("error");
      return;
    }
    this.#emit({ preset: "custom", start, end });
  }

  #emit(value) {
    this.#value = value;
    this.update();
    this.dispatchEvent(new CustomEvent("cr-range-change", { bubbles: true, detail: value }));
  }

  update() {
    if (!this.#built || !this.#today) return;
    const { preset, start, end } = this.#value;
    this.#part("preset").value = isPreset(preset) ? preset : "last-30-days";
    const custom = preset === "custom";
    this.#part("custom").hidden = !custom;
    const range = resolveRange(this.#value, this.#today);
    if (custom) {
      if (this.#part("start").value !== start) this.#part("start").value = start;
      if (this.#part("end").value !== end) this.#part("end").value = end;
      this.#part("start").max = this.#today;
      this.#part("end").max = this.#today;
      this.#part("end").min = isIsoDate(start) ? start : "";
    }
    const problem = custom ? customRangeProblem(start, end, this.#today) : "";
    const text = this.#part("text");
    text.classList.toggle("error", Boolean(problem));
    text.textContent = problem || describeRange(range);
  }
}

export function registerDateRange() {
  customElements.define("cr-date-range", DateRange);
}
