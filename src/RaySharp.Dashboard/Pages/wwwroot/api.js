// The JSON APIs the pages read. The token travels in a cookie the page sets once (the server takes it for reads);
// a 401 shows the token form.
"use strict";

class AuthNeeded extends Error {}

const api = {
  cookie: "raysharp_token",

  async get(path) {
    const response = await fetch(path, { credentials: "same-origin", headers: { Accept: "application/json" }, cache: "no-store" });
    if (response.status === 401) {
      const body = await response.json().catch(() => ({}));
      throw new AuthNeeded(body.message || body.error || "This cluster requires its auth token.");
    }
    const body = await response.json().catch(() => null);
    if (!response.ok) {
      throw new Error((body && (body.msg || body.message)) || `${path}: HTTP ${response.status}`);
    }
    // The state API's envelope: {"result": true, "msg": "", "data": {"result": ...}}.
    return body && body.data && "result" in body.data ? body.data.result : body;
  },

  // A log's text (the log API answers text/plain; a refusal is text too).
  async text(path) {
    const response = await fetch(path, { credentials: "same-origin", cache: "no-store" });
    if (response.status === 401) throw new AuthNeeded("This cluster requires its auth token.");
    const body = await response.text();
    if (!response.ok) throw new Error(body.trim() || `${path}: HTTP ${response.status}`);
    return body;
  },

  // Every row of a state API list (up to its limit), with every column.
  async list(resource, filters = [], limit = 10000) {
    const query = filters.map(f => `&filter=${encodeURIComponent(f)}`).join("");
    const reply = await api.get(`/api/v0/${resource}?detail=true&limit=${limit}${query}`);
    return reply.result;
  },

  hasToken() {
    return document.cookie.split(";").some(c => c.trim().startsWith(api.cookie + "="));
  },

  saveToken(token) {
    const secure = location.protocol === "https:" ? "; Secure" : "";
    document.cookie = `${api.cookie}=${encodeURIComponent(token.trim())}; path=/; max-age=31536000; SameSite=Strict${secure}`;
  },
};
