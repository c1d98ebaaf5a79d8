/* The tablet's outbox: every saved visit goes here first, and leaves only when the server has
 * answered "created" or "existing" for its client_uuid. Incident reports (type "incident")
 * wait here too, and are sent one by one to POST /api/v1/incidents/ (201 created, 200 the
 * stored one: both leave the outbox; 400 stays with the server's messages).
 *
 * Records in the "outbox" store (key: client_uuid):
 *   { client_uuid, owner, payload, recipient_name, service_names, saved_at,
 *     state: "pending" | "conflict" | "error", errors, attempts, last_attempt_at }
 * "payload" is exactly what POST /api/v1/visits/sync/ receives for the visit; it is written
 * once and never changed, so a retry after a lost answer is the same visit and the server
 * finds it ("existing") instead of storing a second one.
 *
 * "owner" is the user id: a tablet shared by two caregivers sends each one's visits only
 * under their own login. "drafts" holds the visit in progress (after check-in, before save),
 * so that a reload or a closed tab does not lose the check-in time or the client_uuid.
 */

const DB_NAME = "care-tablet";
const DB_VERSION = 1;
export const BATCH_SIZE = 100;

let dbPromise = null;

function promisify(request) {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

export function openDb() {
  if (!dbPromise) {
    dbPromise = new Promise((resolve, reject) => {
      const request = indexedDB.open(DB_NAME, DB_VERSION);
      request.onupgradeneeded = () => {
        const db = request.result;
        if (!db.objectStoreNames.contains("outbox")) {
          const outbox = db.createObjectStore("outbox", { keyPath: "client_uuid" });
          outbox.createIndex("owner", "owner");
        }
        if (!db.objectStoreNames.contains("drafts")) {
          db.createObjectStore("drafts", { keyPath: "key" });
        }
      };
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
      request.onblocked = () => reject(new Error("IndexedDB blocked by another tab"));
    });
    dbPromise.catch(() => {
      dbPromise = null;
    });
  }
  return dbPromise;
}

/* Runs fn(store) in one transaction and resolves once it has committed: a visit counts as
 * saved only when it is on disk. */
async function withStore(name, mode, fn) {
  const db = await openDb();
  return new Promise((resolve, reject) => {
    const tx = db.transaction(name, mode);
    let result;
    Promise.resolve(fn(tx.objectStore(name)))
      .then((value) => {
        result = value;
      })
      .catch((error) => {
        try {
          tx.abort();
        } catch (ignored) {
          // already finished
        }
        reject(error);
      });
    tx.oncomplete = () => resolve(result);
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error || new Error("transaction aborted"));
  });
}

export function newUuid() {
  if (globalThis.crypto && typeof crypto.randomUUID === "function") {
    return crypto.randomUUID();
  }
  // Pages served over plain http from a LAN address lack randomUUID; same format, same
  // randomness source.
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export function outboxList(owner) {
  return withStore("outbox", "readonly", async (store) => {
    const all = await promisify(store.index("owner").getAll(owner));
    return all.sort((a, b) => (a.saved_at < b.saved_at ? -1 : a.saved_at > b.saved_at ? 1 : 0));
  });
}

export async function outboxCounts(owner) {
  const items = await outboxList(owner);
  const pending = items.filter((item) => item.state === "pending").length;
  return { pending, attention: items.length - pending, total: items.length };
}

export function outboxRemove(clientUuid) {
  return withStore("outbox", "readwrite", (store) => promisify(store.delete(clientUuid)));
}

/* Puts a conflict or error item back in line to be sent (same client_uuid, same payload). */
export function outboxRetry(clientUuid) {
  return withStore("outbox", "readwrite", async (store) => {
    const item = await promisify(store.get(clientUuid));
    if (item) {
      await promisify(store.put({ ...item, state: "pending", errors: {} }));
    }
  });
}

export function draftGet(key) {
  return withStore("drafts", "readonly", (store) => promisify(store.get(key)));
}

export function draftPut(draft) {
  return withStore("drafts", "readwrite", (store) => promisify(store.put(draft)));
}

export function draftRemove(key) {
  return withStore("drafts", "readwrite", (store) => promisify(store.delete(key)));
}

/* Saves the draft as a visit and removes the draft in one transaction: the visit can never be
 * both in the outbox and still open on the screen (where a second save would make a copy). */
export async function saveDraftToOutbox(draftKey, record) {
  const db = await openDb();
  return new Promise((resolve, reject) => {
    const tx = db.transaction(["outbox", "drafts"], "readwrite");
    const outbox = tx.objectStore("outbox");
    const lookup = outbox.get(record.client_uuid);
    lookup.onsuccess = () => {
      if (!lookup.result) {
        outbox.add({ state: "pending", errors: {}, attempts: 0, ...record });
      }
      tx.objectStore("drafts").delete(draftKey);
    };
    tx.oncomplete = () => resolve(true);
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error || new Error("transaction aborted"));
  });
}

/* Adds a record that has no draft (an incident report); a record already there is kept. */
export function outboxAdd(record) {
  return withStore("outbox", "readwrite", async (store) => {
    const existing = await promisify(store.get(record.client_uuid));
    if (!existing) {
      await promisify(store.add({ state: "pending", errors: {}, attempts: 0, ...record }));
    }
  });
}

function readCookie(name) {
  for (const part of document.cookie.split(";")) {
    const [key, ...rest] = part.trim().split("=");
    if (key === name) {
      return decodeURIComponent(rest.join("="));
    }
  }
  return "";
}

/* Applies one batch's results: sent visits leave the outbox, the others stay with the
 * server's messages until the caregiver dismisses them. */
function applyResults(batch, results) {
  return withStore("outbox", "readwrite", async (store) => {
    const outcome = { created: 0, existing: 0, conflict: 0, error: 0 };
    const now = new Date().toISOString();
    for (const result of results) {
      const item = batch[result.index];
      // The answer is matched by position and checked by key: a mismatch is left pending.
      if (!item || (result.client_uuid && result.client_uuid !== item.client_uuid)) {
        continue;
      }
      if (result.status === "created" || result.status === "existing") {
        await promisify(store.delete(item.client_uuid));
      } else if (result.status === "conflict" || result.status === "error") {
        const current = await promisify(store.get(item.client_uuid));
        if (current) {
          await promisify(
            store.put({
              ...current,
              state: result.status,
              errors: result.errors || {},
              server_visit: result.visit || null,
              attempts: (current.attempts || 0) + 1,
              last_attempt_at: now,
            }),
          );
        }
      } else {
        continue;
      }
      outcome[result.status] += 1;
    }
    return outcome;
  });
}

/* Sends the owner's pending visits in batches of at most BATCH_SIZE.
 *
 * Resolves to { status, created, existing, conflict, error, httpStatus?, detail? } where
 * status is "ok", "idle" (nothing to send), "offline" (no network), "relogin" (401/403: the
 * session has expired; the outbox is left exactly as it was) or "server-error".
 */
function jsonHeaders(csrfToken) {
  return {
    "Content-Type": "application/json",
    Accept: "application/json",
    "X-CSRFToken": readCookie("csrftoken") || csrfToken,
    "X-Requested-With": "XMLHttpRequest",
  };
}

async function reloginDetail(response) {
  try {
    return (await response.json()).detail || "";
  } catch (ignored) {
    return "";
  }
}

/* Sends one incident report; its outcome as syncOutbox's (or a stop: offline, relogin,
 * server-error). Visits go first, so that a report naming a visit by its uuid finds it. */
async function sendIncident(item, url, csrfToken) {
  let response;
  try {
    response = await fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: jsonHeaders(csrfToken),
      body: JSON.stringify(item.payload),
    });
  } catch (error) {
    return { stop: "offline" };
  }
  if (response.status === 401 || response.status === 403) {
    return { stop: "relogin", httpStatus: response.status, detail: await reloginDetail(response) };
  }
  const type = response.headers.get("Content-Type") || "";
  if (!type.includes("json") || (response.status !== 400 && !response.ok)) {
    return { stop: "server-error", httpStatus: response.status };
  }
  let body = {};
  try {
    body = await response.json();
  } catch (error) {
    return { stop: "server-error", httpStatus: response.status };
  }
  const status = response.status === 201 ? "created" : response.ok ? "existing" : "error";
  const result = { index: 0, client_uuid: item.client_uuid, status };
  if (status === "error") {
    result.errors = body;
  }
  return { outcome: await applyResults([item], [result]) };
}

export async function syncOutbox({ owner, url, incidentUrl = "", csrfToken = "" }) {
  const totals = { status: "ok", created: 0, existing: 0, conflict: 0, error: 0 };
  const all = (await outboxList(owner)).filter((item) => item.state === "pending");
  const pending = all.filter((item) => item.type !== "incident");
  const incidents = incidentUrl ? all.filter((item) => item.type === "incident") : [];
  if (!pending.length && !incidents.length) {
    return { ...totals, status: "idle" };
  }
  for (let start = 0; start < pending.length; start += BATCH_SIZE) {
    const batch = pending.slice(start, start + BATCH_SIZE);
    let response;
    try {
      response = await fetch(url, {
        method: "POST",
        credentials: "same-origin",
        headers: {
          "Content-Type": "application/json",
          Accept: "application/json",
          "X-CSRFToken": readCookie("csrftoken") || csrfToken,
          "X-Requested-With": "XMLHttpRequest",
        },
        body: JSON.stringify({ visits: batch.map((item) => item.payload) }),
      });
    } catch (error) {
      return { ...totals, status: "offline" };
    }
    if (response.status === 401 || response.status === 403) {
      let detail = "";
      try {
        detail = (await response.json()).detail || "";
      } catch (ignored) {
        // not JSON
      }
      return { ...totals, status: "relogin", httpStatus: response.status, detail };
    }
    const type = response.headers.get("Content-Type") || "";
    if (!response.ok || !type.includes("json")) {
      return { ...totals, status: "server-error", httpStatus: response.status };
    }
    let body;
    try {
      body = await response.json();
    } catch (error) {
      return { ...totals, status: "server-error", httpStatus: response.status };
    }
    const outcome = await applyResults(batch, body.results || []);
    for (const key of Object.keys(outcome)) {
      totals[key] += outcome[key];
    }
  }
  for (const item of incidents) {
    const sent = await sendIncident(item, incidentUrl, csrfToken);
    if (sent.stop) {
      return { ...totals, status: sent.stop, httpStatus: sent.httpStatus, detail: sent.detail };
    }
    for (const key of Object.keys(sent.outcome)) {
      totals[key] += sent.outcome[key];
    }
  }
  return totals;
}
