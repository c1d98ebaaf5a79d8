/* Service worker of the caregivers' tablet pages (scope /tablet/), rendered by
 * care.tablet_views.service_worker so that it knows the static URLs and their version.
 *
 * - Pages: network first, so a caregiver online always sees today's schedule; the copy
 *   kept from the last visit is shown when the network fails (rural areas, no signal).
 * - Static files: cache first, stored at install; a new version means a new worker.
 * - Reference and list APIs (service types, recipients, own visits): network first, with the
 *   last answer kept for offline use.
 * - Anything else, and every POST (the visit sync above all), goes straight to the network:
 *   the outbox in IndexedDB, not this worker, is what keeps a visit until the server has it.
 */
"use strict";

const VERSION = "{{ version }}";
const STATIC_CACHE = `tablet-static-${VERSION}`;
// Pages and API answers hold personal data: they are kept under fixed names so that a new
// worker version keeps them, and are dropped on logout (message "clear-personal").
const PAGE_CACHE = "tablet-pages-v1";
const API_CACHE = "tablet-api-v1";
const ASSETS = {{ assets_json|safe }};
const OFFLINE_URL = {{ offline_url_json|safe }};
const SCOPE = {{ scope_json|safe }};
const STATIC_PREFIX = {{ static_prefix_json|safe }};
const CACHED_APIS = ["/api/v1/service-types/", "/api/v1/recipients/", "/api/v1/visits/"];
// A stored page is fetched again by "precache" when it is older than this.
const PAGE_MAX_AGE_MS = 6 * 60 * 60 * 1000;
// Marks an answer that came from the cache, so a page can say it is showing old data.
const FROM_CACHE_HEADER = "X-Tablet-From-Cache";

self.addEventListener("install", (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(STATIC_CACHE);
      // Fetched fresh (not from the HTTP cache): the version is computed from these bytes.
      await cache.addAll([...ASSETS, OFFLINE_URL].map((url) => new Request(url, { cache: "reload" })));
      await self.skipWaiting();
    })(),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    (async () => {
      const names = await caches.keys();
      await Promise.all(
        names
          .filter((name) => name.startsWith("tablet-static-") && name !== STATIC_CACHE)
          .map((name) => caches.delete(name)),
      );
      // Take over the page that registered us, so its first load already works offline.
      await self.clients.claim();
    })(),
  );
});

function pageKey(url) {
  const parsed = new URL(url, self.location.origin);
  return parsed.origin + parsed.pathname;
}

function markedFromCache(response) {
  const headers = new Headers(response.headers);
  headers.set(FROM_CACHE_HEADER, "1");
  return new Response(response.body, {
    status: response.status,
    statusText: response.statusText,
    headers,
  });
}

function storable(response) {
  // A redirect (to the login page, when the session has expired) must never be kept in place
  // of the page: the caregiver would see the login form offline, where it cannot work.
  return response && response.ok && response.type === "basic" && !response.redirected;
}

async function pageNetworkFirst(request) {
  const cache = await caches.open(PAGE_CACHE);
  const key = pageKey(request.url);
  try {
    const response = await fetch(request);
    if (storable(response)) {
      await cache.put(key, response.clone());
    } else if (response.status >= 500) {
      // A failing server (or a captive gateway) is no better than no network.
      const cached = await cache.match(key, { ignoreVary: true, ignoreSearch: true });
      if (cached) {
        return cached;
      }
    }
    return response;
  } catch (error) {
    const cached = await cache.match(key, { ignoreVary: true, ignoreSearch: true });
    if (cached) {
      return cached;
    }
    const fallback = await caches.match(OFFLINE_URL, { ignoreVary: true });
    return (
      fallback ||
      new Response("offline", { status: 503, headers: { "Content-Type": "text/plain" } })
    );
  }
}

async function apiNetworkFirst(request) {
  const cache = await caches.open(API_CACHE);
  try {
    const response = await fetch(request);
    if (storable(response)) {
      await cache.put(request.url, response.clone());
    }
    return response;
  } catch (error) {
    const cached = await cache.match(request.url, { ignoreVary: true });
    if (cached) {
      return markedFromCache(cached);
    }
    throw error;
  }
}

async function staticCacheFirst(request) {
  const cache = await caches.open(STATIC_CACHE);
  const cached = await cache.match(request, { ignoreVary: true, ignoreSearch: true });
  if (cached) {
    return cached;
  }
  const response = await fetch(request);
  if (storable(response)) {
    await cache.put(request, response.clone());
  }
  return response;
}

self.addEventListener("fetch", (event) => {
  const { request } = event;
  if (request.method !== "GET") {
    return;
  }
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) {
    return;
  }
  if (request.mode === "navigate") {
    if (url.pathname.startsWith(SCOPE)) {
      event.respondWith(pageNetworkFirst(request));
    }
    return;
  }
  if (CACHED_APIS.includes(url.pathname)) {
    event.respondWith(apiNetworkFirst(request));
    return;
  }
  if (url.pathname.startsWith(STATIC_PREFIX) || ASSETS.includes(url.pathname)) {
    event.respondWith(staticCacheFirst(request));
  }
});

function isFresh(response) {
  const date = Date.parse(response.headers.get("Date") || "");
  return Number.isFinite(date) && Date.now() - date < PAGE_MAX_AGE_MS;
}

/* The home page sends the tablet pages to keep (today's and tomorrow's schedule, the visit
 * screen of each scheduled visit and of each assigned recipient, the visit list) and the
 * reference data the pages read. Pages no longer in the list (a visit given to a substitute,
 * a recipient no longer assigned) are removed, so their data does not stay on the tablet.
 * Pages in "force" are fetched even when fresh: the schedule, after a coordinator changed it. */
async function precache(urls, force = []) {
  const isApi = (url) => CACHED_APIS.includes(new URL(url, self.location.origin).pathname);
  const cache = await caches.open(PAGE_CACHE);
  const wanted = new Set(urls.filter((url) => !isApi(url)).map(pageKey));
  for (const request of await cache.keys()) {
    if (!wanted.has(pageKey(request.url))) {
      await cache.delete(request);
    }
  }
  const forced = new Set(force.map(pageKey));
  let stored = 0;
  for (const key of wanted) {
    const cached = await cache.match(key, { ignoreVary: true });
    if (cached && isFresh(cached) && !forced.has(key)) {
      stored += 1;
      continue;
    }
    try {
      const response = await fetch(key, { credentials: "same-origin" });
      if (storable(response)) {
        await cache.put(key, response);
        stored += 1;
      }
    } catch (error) {
      // Offline or a server error: the page is kept as it was, or fetched next time.
    }
  }
  // Reference data the pages read (service type names), refreshed on every home page load.
  const apiCache = await caches.open(API_CACHE);
  const apis = urls.filter(isApi).map((url) => new URL(url, self.location.origin).href);
  for (const url of apis) {
    try {
      const response = await fetch(url, { credentials: "same-origin" });
      if (storable(response)) {
        await apiCache.put(url, response);
        stored += 1;
      }
    } catch (error) {
      // Kept as it was.
    }
  }
  return { stored, total: wanted.size + apis.length };
}

self.addEventListener("message", (event) => {
  const data = event.data || {};
  const reply = (message) => {
    if (event.ports && event.ports[0]) {
      event.ports[0].postMessage(message);
    }
  };
  if (data.type === "precache" && Array.isArray(data.urls)) {
    const force = Array.isArray(data.force) ? data.force : [];
    event.waitUntil(
      precache(data.urls, force).then((result) => reply({ type: "precached", ...result })),
    );
  } else if (data.type === "clear-personal") {
    event.waitUntil(
      Promise.all([caches.delete(PAGE_CACHE), caches.delete(API_CACHE)]).then(() =>
        reply({ type: "cleared" }),
      ),
    );
  }
});
