// The `html` tagged template: every interpolated value is escaped unless it is itself the
// result of `html` (or a list of them), so markup is only ever written in templates.

const ESCAPES = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

class SafeHtml {
  #text;
  constructor(text) {
    this.#text = text;
  }
  toString() {
    return this.#text;
  }
}

export function escape(value) {
  return String(value).replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

function piece(value) {
  if (value === null || value === undefined || value === false) return "";
  if (value instanceof SafeHtml) return value.toString();
  if (Array.isArray(value)) return value.map(piece).join("");
  return escape(value);
}

export function html(strings, ...values) {
  let text = strings[0];
  values.forEach((value, i) => {
    text += piece(value) + strings[i + 1];
  });
  return new SafeHtml(text);
}

/**
 * Replace `target`'s content with `template`, keeping keyboard focus on the element with the
 * same `data-focus` key, so re-rendering after a click or a keystroke never drops the user.
 */
export function render(target, template) {
  const active = document.activeElement;
  const focusKey = active && target.contains(active) ? active.dataset.focus : undefined;
  target.innerHTML = piece(template);
  if (focusKey) {
    target.querySelector(`[data-focus="${CSS.escape(focusKey)}"]`)?.focus();
  }
}
