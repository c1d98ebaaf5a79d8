/* What every tablet page does: register the service worker, keep the outbox counter and the
 * online indicator current, and send the outbox on load, on "online", on the sync button and
 * every minute while something waits. Page scripts (visit.js, visits.js) use `tablet`.
 */
import { outboxCounts, syncOutbox } from "./outbox.js";
import { clearPersonalData, watchIdle } from "./privacy.js";

const config = JSON.parse(document.getElementById("tablet-config").textContent);
const RETRY_MS = 60 * 1000;

function format(template, values) {
  return template.replace(/\{(\w+)\}/g, (match, key) => (key in values ? values[key] : match));
}

const elements = {
  net: document.getElementById("net-state"),
  count: document.getElementById("outbox-count"),
  attention: document.getElementById("attention-count"),
  message: document.getElementById("sync-message"),
  ready: document.getElementById("offline-ready"),
  button: document.getElementById("sync-button"),
  relogin: document.getElementById("relogin"),
  flash: document.getElementById("flash"),
  reloginDetail: document.getElementById("relogin-detail"),
};

let sessionExpired = false;
let running = null;
let again = null;

export const tablet = {
  config,
  checkSchedule: () => checkSchedule(),
  text: (key, values = {}) => format(config.text[key] || key, values),
  owner: config.userId,

  async refreshCounter() {
    let counts = { pending: 0, attention: 0 };
    try {
      counts = await outboxCounts(config.userId);
    } catch (error) {
      elements.message.textContent = String(error);
    }
    elements.count.dataset.count = String(counts.pending);
    elements.count.textContent = tablet.text("pending", { n: counts.pending });
    elements.count.classList.toggle("has-items", counts.pending > 0);
    // "지금 전송" only asks for attention when something waits to be sent.
    elements.button.classList.toggle("quiet", counts.pending === 0);
    elements.attention.dataset.count = String(counts.attention);
    elements.attention.textContent = tablet.text("attention", { n: counts.attention });
    elements.attention.hidden = counts.attention === 0;
    return counts;
  },

  /* One sync at a time in this tab, and across tabs where the browser has Web Locks: two
   * tabs sending the same visit would still store it once, but would show confusing counts. */
  /* A message for the next page of this tab (the visit screen goes back to today's list
   * after a save): shown there in a status line that takes the focus. */
  leaveMessage(text, kind = "ok") {
    try {
      sessionStorage.setItem(flashKey(), JSON.stringify({ text, kind }));
    } catch (error) {
      // Private mode: the list opens without the message.
    }
  },

  sync() {
    if (running) {
      // A visit saved while a sync is under way is sent by one more run right after it.
      if (!again) {
        again = running.then(() => {
          again = null;
          return tablet.sync();
        });
      }
      return again;
    }
    running = runSync().finally(() => {
      running = null;
    });
    return running;
  },
};

const flashKey = () => `care-tablet-flash:${config.userId}`;

function showFlash() {
  let flash = null;
  try {
    flash = JSON.parse(sessionStorage.getItem(flashKey()) || "null");
    sessionStorage.removeItem(flashKey());
  } catch (error) {
    return;
  }
  if (!flash || !elements.flash) {
    return;
  }
  elements.flash.textContent = flash.text;
  elements.flash.dataset.kind = flash.kind;
  elements.flash.hidden = false;
  // Where the caregiver's attention is: focus (and the status role) reads it out.
  elements.flash.focus();
}

function showMessage(text, kind = "") {
  elements.message.textContent = text;
  elements.message.dataset.kind = kind;
}

function showRelogin(detail) {
  sessionExpired = true;
  elements.relogin.hidden = false;
  elements.reloginDetail.textContent = detail || "";
}

async function runSync() {
  const counts = await tablet.refreshCounter();
  if (!counts.pending) {
    return { status: "idle" };
  }
  if (!navigator.onLine) {
    showMessage(tablet.text("sync_offline"));
    return { status: "offline" };
  }
  elements.button.disabled = true;
  showMessage(tablet.text("syncing"));
  const send = () =>
    syncOutbox({
      owner: config.userId,
      url: config.urls.sync,
      incidentUrl: config.urls.incidents,
      csrfToken: config.csrfToken || "",
    });
  let result;
  try {
    result = navigator.locks ? await navigator.locks.request("care-tablet-sync", send) : await send();
  } catch (error) {
    result = { status: "server-error", httpStatus: String(error) };
  } finally {
    elements.button.disabled = false;
  }
  if (result.status === "relogin") {
    showRelogin(result.detail);
    showMessage("");
  } else if (result.status === "offline") {
    showMessage(tablet.text("sync_offline"));
  } else if (result.status === "server-error") {
    showMessage(tablet.text("sync_server_error", { status: result.httpStatus }), "bad");
  } else if (result.status === "ok") {
    sessionExpired = false;
    elements.relogin.hidden = true;
    const sent = result.created + result.existing;
    const parts = sent || !(result.conflict + result.error) ? [tablet.text("synced", { n: sent })] : [];
    if (result.conflict + result.error) {
      parts.push(tablet.text("sync_attention", { n: result.conflict + result.error }));
    }
    showMessage(parts.join(" "), result.conflict + result.error ? "bad" : "ok");
  }
  await tablet.refreshCounter();
  if (result.status === "ok") {
    // Coordinators' changes to the schedule reach the tablet with each sync.
    await checkSchedule();
  }
  window.dispatchEvent(new CustomEvent("tablet:synced", { detail: result }));
  return result;
}

function showNetwork() {
  const online = navigator.onLine;
  elements.net.dataset.online = online ? "1" : "0";
  elements.net.textContent = tablet.text(online ? "online" : "offline");
}

function askWorker(worker, message) {
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = (event) => resolve(event.data);
    worker.postMessage(message, [channel.port2]);
  });
}

// The schedule version whose pages the worker's cache holds, per user on this tablet.
const versionKey = () => `care-tablet-schedule-version:${config.userId}`;
let scheduleCheck = null;

/* Keeps the stored pages in step with the server's schedule. The server's version (a digest
 * of the caregiver's scheduled visits of today and tomorrow and of their assignments) is
 * asked for after each sync and every minute online, which costs one small request; the
 * schedule pages are fetched again only when it has changed since they were stored (a
 * substitution, a cancellation, a moved time), so their access log stays quiet otherwise.
 * A schedule list on screen that is out of date is reloaded. */
function storedVersion() {
  try {
    return localStorage.getItem(versionKey());
  } catch (error) {
    return null;
  }
}

async function keepSchedule(state, { skip = null } = {}) {
  if (!("serviceWorker" in navigator) || !state || !Array.isArray(state.precache)) {
    return null;
  }
  const registration = await navigator.serviceWorker.ready;
  if (!registration.active) {
    return null;
  }
  const stale = storedVersion() !== state.scheduleVersion;
  const force = stale ? (state.refresh || []).filter((url) => url !== skip) : [];
  const reply = await askWorker(registration.active, {
    type: "precache",
    urls: state.precache,
    force,
  });
  if (reply && reply.stored === reply.total) {
    try {
      localStorage.setItem(versionKey(), state.scheduleVersion);
    } catch (error) {
      // Private mode: pages are then fetched again at every check.
    }
  }
  return reply;
}

async function checkSchedule() {
  if (!navigator.onLine || sessionExpired || !config.urls.scheduleState) {
    return;
  }
  if (scheduleCheck) {
    return scheduleCheck;
  }
  scheduleCheck = (async () => {
    let state;
    try {
      const response = await fetch(config.urls.scheduleState, {
        credentials: "same-origin",
        headers: { Accept: "application/json" },
      });
      const type = response.headers.get("Content-Type") || "";
      if (!response.ok || response.redirected || !type.includes("json")) {
        return;
      }
      state = await response.json();
    } catch (error) {
      return; // offline again: the stored pages stay as they are
    }
    if (storedVersion() !== state.scheduleVersion) {
      await keepSchedule(state);
    }
    document.documentElement.dataset.scheduleVersion = state.scheduleVersion;
    const onList = Boolean(config.day);
    if (onList && config.scheduleVersion && config.scheduleVersion !== state.scheduleVersion) {
      // Once per version: a page the server cannot send fresh must not reload in a loop.
      const marker = `care-tablet-reloaded:${state.scheduleVersion}`;
      if (sessionStorage.getItem(marker) !== "1") {
        sessionStorage.setItem(marker, "1");
        window.location.reload();
      }
    }
  })().finally(() => {
    scheduleCheck = null;
  });
  return scheduleCheck;
}

async function registerWorker() {
  if (!("serviceWorker" in navigator)) {
    return;
  }
  try {
    await navigator.serviceWorker.register(config.urls.sw, { scope: config.urls.scope });
    const registration = await navigator.serviceWorker.ready;
    if (!config.precache || !registration.active) {
      return;
    }
    // This page came from the network just now (it was stored on the way): the others of
    // the schedule are fetched again if the schedule changed since they were stored.
    const reply = await keepSchedule(config, { skip: window.location.pathname });
    if (reply && reply.stored === reply.total) {
      elements.ready.hidden = false;
      elements.ready.textContent = tablet.text("offline_ready");
      document.documentElement.dataset.offlineReady = "1";
    }
  } catch (error) {
    // Pages still work online without the worker; offline use just is not available.
    console.warn("service worker", error);
  }
}

/* Logging out on a shared tablet: warn about unsent visits (they stay, and are sent at the
 * next login of the same person), and drop the stored pages with their personal data. */
function logoutForms() {
  return document.querySelectorAll('header.top form[action$="/logout/"]');
}

function guardLogout() {
  for (const form of logoutForms()) {
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      if (!navigator.onLine) {
        showMessage(tablet.text("logout_offline"), "bad");
        return;
      }
      const counts = await tablet.refreshCounter();
      if (counts.pending && !window.confirm(tablet.text("logout_pending", { n: counts.pending }))) {
        return;
      }
      await clearPersonalData();
      form.submit();
    });
  }
}

/* Left alone too long (TABLET_IDLE_CLEAR_MINUTES): the screen is emptied at once (it shows
 * people's names), the stored copies are dropped, and the tablet goes back to the login: by
 * logging out when online, and offline by leaving for the login address, which shows no one.
 * Unsent visits stay in the outbox, and are sent after the next login. */
let lockingOut = false;

async function lockOut() {
  if (lockingOut) {
    return;
  }
  lockingOut = true;
  document.documentElement.dataset.idleCleared = "0";
  const main = document.querySelector("main");
  if (main) {
    main.replaceChildren();
  }
  try {
    await clearPersonalData();
  } finally {
    document.documentElement.dataset.idleCleared = "1";
  }
  const [form] = logoutForms();
  if (navigator.onLine && form) {
    form.submit();
  } else {
    window.location.replace(config.urls.login);
  }
}

function watchForIdle() {
  const settings = document.getElementById("tablet-privacy");
  if (!settings) {
    return;
  }
  watchIdle({
    minutes: Number(settings.dataset.idleClearMinutes),
    loginAt: settings.dataset.loginAt || "",
    onIdle: lockOut,
  });
}

const csrfInput = document.querySelector('input[name="csrfmiddlewaretoken"]');
config.csrfToken = csrfInput ? csrfInput.value : "";

showNetwork();
showFlash();
guardLogout();
watchForIdle();
elements.button.addEventListener("click", async () => {
  const result = await tablet.sync();
  if (result.status === "idle") {
    showMessage(tablet.text("nothing_to_sync"));
  }
});
window.addEventListener("online", () => {
  showNetwork();
  tablet.sync().then(checkSchedule);
});
window.addEventListener("offline", showNetwork);
document.addEventListener("visibilitychange", () => {
  if (document.visibilityState === "visible" && !sessionExpired) {
    tablet.sync().then(checkSchedule);
  }
});
setInterval(() => {
  if (navigator.onLine && !sessionExpired) {
    tablet.sync().then(checkSchedule);
  }
}, RETRY_MS);

registerWorker();
// Marks the page as settled after its first outbox check (tests wait for it).
tablet.sync().finally(() => {
  document.documentElement.dataset.tabletReady = "1";
});
