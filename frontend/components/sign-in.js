// <cr-sign-in>: email and password; tells the app with `cr-signed-in` when it worked.

import { ApiError, signIn } from "../api.js";
import { html, render } from "../lib/html.js";

class SignIn extends HTMLElement {
  #notice = "";

  set notice(text) {
    this.#notice = text;
    this.#showMessage(text, "status");
  }

  connectedCallback() {
    render(
      this,
      html`<main class="sign-in">
        <form class="sign-in-card" novalidate>
          <img src="/favicon.svg" alt="" width="40" height="40">
          <h1>Sign in</h1>
          <p class="muted">Credit consumption report</p>
          <div class="message" data-slot="message"></div>
          <label for="sign-in-email">Email</label>
          <input id="sign-in-email" name="email" type="email" autocomplete="username" required autofocus>
          <label for="sign-in-password">Password</label>
          <input id="sign-in-password" name="password" type="password" autocomplete="current-password" required>
          <button type="submit" class="button button-primary">Sign in</button>
        </form>
      </main>`,
    );
    this.#showMessage(this.#notice, "status");
    this.querySelector("form").addEventListener("submit", (event) => this.#submit(event));
    this.querySelector("#sign-in-email").focus();
  }

  #showMessage(text, role) {
    const slot = this.querySelector("[data-slot=message]");
    if (!slot) return;
    render(
      slot,
      text
        ? html`<p class="${role === "alert" ? "error" : "notice"}" role="${role}">${text}</p>`
        : "",
    );
  }

  async #submit(event) {
    event.preventDefault();
    const form = event.currentTarget;
    const email = form.email.value.trim();
    const password = form.password.value;
    if (!email || !password) {
      this.#showMessage("Enter your email and password.", "alert");
      (email ? form.password : form.email).focus();
      return;
    }
    const button = form.querySelector("button");
    button.disabled = true;
    button.textContent = "Signing in…";
    try {
      await signIn(email, password);
      this.dispatchEvent(new CustomEvent("cr-signed-in", { bubbles: true }));
    } catch (error) {
      this.#showMessage(error instanceof ApiError ? error.message : "Sign-in failed.", "alert");
      form.password.select();
      form.password.focus();
      button.disabled = false;
      button.textContent = "Sign in";
    }
  }
}

export function registerSignIn() {
  customElements.define("cr-sign-in", SignIn);
}
