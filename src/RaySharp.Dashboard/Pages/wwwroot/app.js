// The page's loop: draws the page the address names (#overview, #nodes, ...) and redraws it about once a second,
// so changes show without a reload; asks for the token when the server answers 401.
"use strict";

const REFRESH_MS = 1000;
const pageElement = document.getElementById("page");
const statusElement = document.getElementById("status");
const loginForm = document.getElementById("login");
let generation = 0;
let timer = null;
let lastHtml = "";

function currentPage() {
  // "#logs?node_id=...&filename=...": the view's name, then its parameters (pages read them from the hash).
  const name = location.hash.replace(/^#/, "").split("?")[0];
  return pages[name] ? name : "overview";
}

async function draw() {
  clearTimeout(timer);
  const mine = ++generation;
  const name = currentPage();
  for (const a of document.querySelectorAll("#nav a")) a.classList.toggle("active", a.getAttribute("href") === "#" + name);
  try {
    const html = await pages[name]();
    if (mine !== generation) return;
    loginForm.hidden = true;
    // Unchanged: left alone, so a selection or a scrolled stack trace stays where it is.
    if (html !== lastHtml) {
      pageElement.innerHTML = html;
      lastHtml = html;
    }
    pageElement.dataset.page = name;
    pageElement.dataset.drawn = String(Date.now());
    statusElement.textContent = `updated ${new Date().toLocaleTimeString()}`;
  } catch (error) {
    if (mine !== generation) return;
    if (error instanceof AuthNeeded) {
      showLogin(api.hasToken() ? "The saved token was refused; enter this cluster's token." : "");
      return;
    }
    statusElement.textContent = `could not refresh: ${error.message}`;
  }
  timer = setTimeout(draw, REFRESH_MS);
}

function showLogin(message) {
  pageElement.innerHTML = "";
  lastHtml = "";
  loginForm.hidden = false;
  document.getElementById("login-error").textContent = message;
  document.getElementById("token").focus();
}

loginForm.addEventListener("submit", event => {
  event.preventDefault();
  api.saveToken(document.getElementById("token").value);
  draw();
});

window.addEventListener("hashchange", () => { lastHtml = ""; draw(); });
draw();
