// <cr-chart>: a Chart.js chart (vendored, see /vendor/README.md) fed by a `config` property.
// The table next to it holds the same numbers for screen readers and for copying; the canvas
// gets a short description instead of the data.

class ChartView extends HTMLElement {
  #chart = null;
  #config = null;

  set config(config) {
    this.#config = config;
    this.update();
  }

  connectedCallback() {
    if (!this.querySelector("canvas")) {
      const canvas = document.createElement("canvas");
      canvas.setAttribute("role", "img");
      this.append(canvas);
    }
    this.update();
  }

  disconnectedCallback() {
    this.#chart?.destroy();
    this.#chart = null;
  }

  update() {
    const canvas = this.querySelector("canvas");
    if (!canvas || !this.#config) return;
    canvas.setAttribute("aria-label", this.getAttribute("label") ?? "Chart");
    if (!window.Chart) {
      this.dataset.state = "unavailable";
      return;
    }
    const { type, data, options } = this.#config;
    if (this.#chart && this.#chart.config.type === type) {
      this.#chart.data = data;
      this.#chart.options = options;
      this.#chart.update();
    } else {
      this.#chart?.destroy();
      this.#chart = new window.Chart(canvas, { type, data, options });
    }
  }
}

export function registerChart() {
  customElements.define("cr-chart", ChartView);
}
