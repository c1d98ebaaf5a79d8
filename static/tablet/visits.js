/* Recent visits: what is still on the tablet (waiting, or needing a decision after a conflict
 * or an error), then the caregiver's last visits as the server has them. */
import { tablet } from "./app.js";
import { outboxList, outboxRemove, outboxRetry } from "./outbox.js";

const el = {
  outboxSection: document.getElementById("outbox-section"),
  outboxList: document.getElementById("outbox-list"),
  serverList: document.getElementById("server-list"),
  serverNote: document.getElementById("server-note"),
};

const dateParts = {
  timeZone: tablet.config.timeZone,
  month: "long",
  day: "numeric",
  weekday: "short",
  hour: "2-digit",
  minute: "2-digit",
  hour12: false,
};
const dateTime = new Intl.DateTimeFormat("ko-KR", dateParts);
// A visit of another year says its year ("2023년 12월 29일"): without it, last December's
// visits would read as this December's.
const dateTimeWithYear = new Intl.DateTimeFormat("ko-KR", { ...dateParts, year: "numeric" });
const yearOf = new Intl.DateTimeFormat("en-CA", { timeZone: tablet.config.timeZone, year: "numeric" });
const thisYear = yearOf.format(new Date());

function when(date) {
  return (yearOf.format(date) === thisYear ? dateTime : dateTimeWithYear).format(date);
}

/* Newest first, by when the visit began. */
function byStartDescending(startOf) {
  return (a, b) => Date.parse(startOf(b)) - Date.parse(startOf(a));
}
const timeOnly = new Intl.DateTimeFormat("ko-KR", {
  timeZone: tablet.config.timeZone,
  hour: "2-digit",
  minute: "2-digit",
  hour12: false,
});

let serviceNames = {};

function node(tag, attrs = {}, ...children) {
  const element = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key === "class") {
      element.className = value;
    } else if (key.startsWith("data-")) {
      element.setAttribute(key, value);
    } else {
      element[key] = value;
    }
  }
  for (const child of children.flat()) {
    if (child !== null && child !== undefined && child !== "") {
      element.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
  }
  return element;
}

function period(startedAt, endedAt) {
  const start = when(new Date(startedAt));
  return endedAt
    ? `${start} – ${timeOnly.format(new Date(endedAt))}`
    : `${start} (${tablet.text("no_checkout")})`;
}

/* {"field": ["message", ...]} as the API sends it, one line per message. */
function errorLines(errors) {
  const lines = [];
  for (const [field, messages] of Object.entries(errors || {})) {
    const label = tablet.config.text[`field_${field}`] || "";
    for (const message of [].concat(messages)) {
      const text = typeof message === "string" ? message : JSON.stringify(message);
      lines.push(label ? `${label}: ${text}` : text);
    }
  }
  return lines;
}

const BADGE = { pending: "warn", conflict: "bad", error: "bad" };

function outboxItem(item) {
  const payload = item.payload;
  const messages =
    item.state === "conflict"
      ? [tablet.text("conflict_message"), ...errorLines(item.errors)]
      : errorLines(item.errors);
  const actions = [];
  if (item.state !== "pending") {
    const dismiss = node("button", { type: "button", class: "danger dismiss" }, tablet.text("dismiss"));
    dismiss.addEventListener("click", async () => {
      if (window.confirm(tablet.text("dismiss_confirm"))) {
        await outboxRemove(item.client_uuid);
        await refresh();
      }
    });
    actions.push(dismiss);
  }
  if (item.state === "error") {
    const retry = node("button", { type: "button", class: "secondary retry" }, tablet.text("retry"));
    retry.addEventListener("click", async () => {
      await outboxRetry(item.client_uuid);
      await tablet.sync();
    });
    actions.push(retry);
  }
  return node(
    "li",
    { class: `card visit-item state-${item.state}`, "data-client-uuid": item.client_uuid, "data-state": item.state },
    node(
      "div",
      { class: "visit-item-head" },
      node("strong", {}, item.recipient_name || tablet.text("recipient_number", { id: payload.recipient })),
      node("span", { class: `badge ${BADGE[item.state] || ""}` }, tablet.text(`status_${item.state}`)),
    ),
    node("p", {}, payload.occurred_at ? when(new Date(payload.occurred_at)) : period(payload.started_at, payload.ended_at)),
    node("p", { class: "chips" }, (item.service_names || payload.service_types || []).map((name) => node("span", { class: "chip" }, name))),
    payload.notes ? node("p", { class: "muted pre" }, payload.notes) : null,
    messages.length ? node("ul", { class: "errorlist" }, messages.map((line) => node("li", {}, line))) : null,
    node("p", { class: "muted small" }, tablet.text("saved_on_tablet", { time: when(new Date(item.saved_at)) })),
    actions.length ? node("div", { class: "actions" }, actions) : null,
  );
}

function serverItem(visit) {
  const badge = { submitted: "", verified: "ok", void: "bad" }[visit.status] || "";
  const open = (visit.exceptions || []).filter((exception) => !exception.resolved_at);
  return node(
    "li",
    { class: "card visit-item", "data-visit-id": visit.id, "data-client-uuid": visit.client_uuid },
    node(
      "div",
      { class: "visit-item-head" },
      node("strong", {}, visit.recipient_name),
      node("span", { class: `badge ${badge}` }, tablet.text(`status_${visit.status}`)),
    ),
    node("p", {}, period(visit.started_at, visit.ended_at)),
    node("p", { class: "chips" }, visit.service_types.map((code) => node("span", { class: "chip" }, serviceNames[code] || code))),
    visit.notes ? node("p", { class: "muted pre" }, visit.notes) : null,
    visit.status === "void" && visit.void_reason ? node("p", { class: "errorlist" }, visit.void_reason) : null,
    open.length ? node("ul", { class: "warnlist" }, open.map((e) => node("li", {}, `${e.kind_display}: ${e.detail}`))) : null,
  );
}

async function loadJson(url) {
  const response = await fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } });
  if (response.status === 401 || response.status === 403) {
    const error = new Error("relogin");
    error.relogin = true;
    throw error;
  }
  if (!response.ok) {
    throw new Error(String(response.status));
  }
  return { body: await response.json(), cached: response.headers.get("X-Tablet-From-Cache") === "1" };
}

async function renderOutbox() {
  const items = await outboxList(tablet.owner);
  // An incident report waits here too: placed by when it happened.
  items.sort(byStartDescending((item) => item.payload.started_at || item.payload.occurred_at));
  el.outboxList.replaceChildren(...items.map(outboxItem));
  el.outboxSection.hidden = items.length === 0;
}

async function renderServer() {
  try {
    const types = await loadJson(tablet.config.urls.serviceTypes);
    serviceNames = Object.fromEntries(types.body.map((type) => [type.code, type.name]));
  } catch (error) {
    // Codes are shown instead of names.
  }
  try {
    const { body, cached } = await loadJson(
      `${tablet.config.urls.visitList}?page_size=20&ordering=-started_at`,
    );
    const visits = [...body.results].sort(byStartDescending((visit) => visit.started_at));
    el.serverList.replaceChildren(...visits.map(serverItem));
    el.serverNote.textContent = cached
      ? tablet.text("visits_cached")
      : body.results.length
        ? ""
        : tablet.text("visits_empty");
  } catch (error) {
    if (error.relogin) {
      document.getElementById("relogin").hidden = false;
    }
    el.serverNote.textContent = navigator.onLine ? tablet.text("visits_failed") : tablet.text("visits_offline");
  }
}

async function refresh() {
  await renderOutbox();
  await tablet.refreshCounter();
}

window.addEventListener("tablet:synced", async (event) => {
  await renderOutbox();
  if (event.detail && event.detail.status === "ok") {
    await renderServer();
  }
});
window.addEventListener("online", renderServer);

renderOutbox();
renderServer();
