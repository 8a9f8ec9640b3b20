// <cr-scroll-region>: around a `.table-scroll` box that may be wider than the screen. It says
// when columns lie beyond the right edge: a shadow on that edge and a "More columns" button
// that scrolls one screen on, both kept up to date as the box scrolls or resizes.

import { html, render } from "../lib/html.js";

class ScrollRegion extends HTMLElement {
  #scroller = null;
  #observer = null;
  #measure = () => this.#update();

  connectedCallback() {
    this.#scroller = this.querySelector(".table-scroll");
    if (!this.#scroller) return;
    if (!this.querySelector(".scroll-hint")) {
      const slot = document.createElement("div");
      render(
        slot,
        html`<button type="button" class="scroll-hint" tabindex="-1" hidden>Scroll for more columns →</button>`,
      );
      const hint = slot.firstElementChild;
      hint.addEventListener("click", () => {
        const step = Math.max(120, this.#scroller.clientWidth * 0.8);
        this.#scroller.scrollBy({ left: step, behavior: "smooth" });
      });
      this.prepend(hint);
    }
    this.#scroller.addEventListener("scroll", this.#measure, { passive: true });
    this.#observer = new ResizeObserver(this.#measure);
    this.#observer.observe(this.#scroller);
    if (this.#scroller.firstElementChild) this.#observer.observe(this.#scroller.firstElementChild);
    this.#update();
  }

  disconnectedCallback() {
    this.#observer?.disconnect();
    this.#scroller?.removeEventListener("scroll", this.#measure);
  }

  #update() {
    const box = this.#scroller;
    if (!box) return;
    const hidden = box.scrollWidth - box.clientWidth - box.scrollLeft;
    const more = hidden > 1;
    this.toggleAttribute("data-more-right", more);
    this.toggleAttribute("data-more-left", box.scrollLeft > 1);
    this.querySelector(".scroll-hint").hidden = !more;
  }
}

export function registerScrollRegion() {
  customElements.define("cr-scroll-region", ScrollRegion);
}
