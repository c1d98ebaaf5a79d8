/* What the tablet keeps of people, and when it lets go of it (issue 10, item 13).
 *
 * For offline use the tablet stores the caregiver's pages (today's and tomorrow's schedule,
 * each recipient's visit screen with name, address, phone and guardian) and API answers
 * (recipients, visits) in the service worker's caches, and marks in localStorage and
 * sessionStorage. At logout, and after TABLET_IDLE_CLEAR_MINUTES without a touch or a key
 * (the page's data-idle-clear-minutes), all of it is dropped. What is never dropped: the
 * IndexedDB outbox (visits and reports not yet on the server: losing one is losing work that
 * was done) and the drafts (a visit checked in and not yet saved). The caches of static files
 * ("tablet-static-…") hold no person and stay, so the pages still open offline.
 *
 * The idle clock is kept in localStorage so that every tab of the tablet shares it, and is
 * tied to the login (data-login-at, the account's last login): a new login starts it afresh,
 * while a page of the same login opened from the cache after hours away clears at once.
 */

const PREFIX = "care-tablet-";
const ACTIVITY_KEY = `${PREFIX}last-activity`;
const STATIC_CACHE_PREFIX = "tablet-static-";
// Activity is written at most this often: a scroll fires many events.
const WRITE_EVERY_MS = 15 * 1000;

function dropKeys(storage) {
  try {
    for (const key of Object.keys(storage)) {
      if (key.startsWith(PREFIX)) {
        storage.removeItem(key);
      }
    }
  } catch (error) {
    // Private mode or storage switched off: nothing was kept there.
  }
}

/* Drops every stored copy of people's data; the outbox and the drafts stay. The caches are
 * deleted from the page itself (a page loaded past the worker has no controller to ask), and
 * the worker is told too, so that it forgets what it might be writing at that moment. */
export async function clearPersonalData() {
  dropKeys(localStorage);
  dropKeys(sessionStorage);
  const controller = navigator.serviceWorker && navigator.serviceWorker.controller;
  if (controller) {
    await new Promise((resolve) => {
      const channel = new MessageChannel();
      channel.port1.onmessage = resolve;
      controller.postMessage({ type: "clear-personal" }, [channel.port2]);
      setTimeout(resolve, 2000);
    });
  }
  if (globalThis.caches) {
    const names = await caches.keys();
    await Promise.all(
      names.filter((name) => !name.startsWith(STATIC_CACHE_PREFIX)).map((name) => caches.delete(name)),
    );
  }
}

function readActivity() {
  try {
    return JSON.parse(localStorage.getItem(ACTIVITY_KEY) || "null");
  } catch (error) {
    return null;
  }
}

function writeActivity(loginAt, at) {
  try {
    localStorage.setItem(ACTIVITY_KEY, JSON.stringify({ login: loginAt, at }));
  } catch (error) {
    // Without storage the clock lives in this page alone (see `last` below).
  }
}

/* Calls onIdle once when nobody has touched any tab of the tablet for `minutes`. Checked on a
 * timer and whenever the page is shown again: a tablet asleep runs no timers, and must clear
 * as soon as it wakes rather than a minute later. */
export function watchIdle({ minutes, loginAt, onIdle }) {
  const limit = minutes * 60 * 1000;
  if (!(limit > 0)) {
    return;
  }
  const stored = readActivity();
  let last = stored && stored.login === loginAt ? stored.at : Date.now();
  let written = 0;
  let fired = false;

  const touch = () => {
    last = Date.now();
    if (last - written >= WRITE_EVERY_MS) {
      written = last;
      writeActivity(loginAt, last);
    }
  };
  const check = () => {
    const shared = readActivity();
    if (shared && shared.login === loginAt && shared.at > last) {
      last = shared.at; // another tab was used
    }
    if (!fired && Date.now() - last >= limit) {
      fired = true;
      onIdle();
    }
  };

  if (!stored || stored.login !== loginAt) {
    written = last;
    writeActivity(loginAt, last);
  }
  for (const type of ["pointerdown", "keydown", "touchstart", "wheel", "input"]) {
    window.addEventListener(type, touch, { passive: true, capture: true });
  }
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") {
      check();
    }
  });
  window.addEventListener("pageshow", check);
  setInterval(check, Math.min(30 * 1000, Math.max(limit / 4, 1000)));
  check();
}
