/* The visit screen: check-in, services given, notes, check-out, save.
 *
 * The visit in progress is a draft in IndexedDB from check-in on, with the client_uuid made at
 * check-in: a reload, a closed tab or a dead battery keeps the start time and the key. Saving
 * moves the draft to the outbox in one transaction, then asks for a sync. A visit started from
 * the schedule carries the scheduled visit's id in its draft and its payload.
 */
import { tablet } from "./app.js";
import { draftGet, draftPut, draftRemove, newUuid, outboxList, saveDraftToOutbox } from "./outbox.js";

const recipient = tablet.config.recipient;
// Opened from the schedule: the visit is sent with the scheduled visit's id, and the planned
// services are chosen at check-in (the caregiver changes them if the day went otherwise).
const scheduled = tablet.config.scheduledVisit || null;
const serviceNames = tablet.config.serviceNames || {};
const draftKey = `${tablet.owner}:${recipient.id}`;

const el = {
  checkIn: document.getElementById("check-in"),
  checkOut: document.getElementById("check-out"),
  checkedIn: document.getElementById("checked-in"),
  checkedInTime: document.getElementById("checked-in-time"),
  checkedOut: document.getElementById("checked-out"),
  checkedOutTime: document.getElementById("checked-out-time"),
  clockState: document.getElementById("clock-state"),
  services: document.getElementById("services"),
  toggles: Array.from(document.querySelectorAll("#services .toggle")),
  notes: document.getElementById("notes"),
  save: document.getElementById("save"),
  discard: document.getElementById("discard"),
  message: document.getElementById("form-message"),
  incident: document.getElementById("incident-link"),
};

let draft = null;
let saving = false;
// Nothing can be tapped until the stored draft is read: a check-in before that would be
// overwritten by the draft that was still loading.
let loaded = false;

// 시:분, as on the schedule: the seconds of a check-in mean nothing to anyone.
const timeFormat = new Intl.DateTimeFormat("ko-KR", {
  timeZone: tablet.config.timeZone,
  hour: "2-digit",
  minute: "2-digit",
  hour12: false,
});
// How long a save waits for the sync before going back to today's list. Leaving earlier only
// means the list's own sync sends the visit again, which the server stores once.
const SYNC_WAIT_MS = 5000;

function say(text, kind = "") {
  el.message.textContent = text;
  el.message.dataset.kind = kind;
}

function showTime(box, timeElement, iso) {
  box.hidden = !iso;
  timeElement.textContent = iso ? timeFormat.format(new Date(iso)) : "";
  timeElement.dateTime = iso || "";
}

function render() {
  const active = Boolean(draft);
  const ended = Boolean(draft && draft.ended_at);
  // While a save is under way (and the page about to leave), no new visit starts here.
  el.checkIn.disabled = active || !loaded || saving;
  el.checkOut.disabled = !active || ended;
  // Once pressed, a clock button gives its place to the time it recorded, in large type.
  el.checkIn.hidden = active;
  el.checkOut.hidden = ended;
  showTime(el.checkedIn, el.checkedInTime, active ? draft.started_at : null);
  showTime(el.checkedOut, el.checkedOutTime, ended ? draft.ended_at : null);
  el.save.textContent = tablet.text(active && !ended ? "save_and_checkout" : "save");
  el.services.disabled = !active;
  el.notes.disabled = !active;
  el.save.disabled = !active || saving;
  el.discard.hidden = !active;
  el.discard.disabled = saving;
  // The incident button names the visit in progress, so the report is linked to it.
  if (el.incident) {
    el.incident.href = el.incident.dataset.base + (active ? `?visit=${draft.client_uuid}` : "");
  }
  const codes = new Set(active ? draft.service_types : []);
  for (const toggle of el.toggles) {
    toggle.setAttribute("aria-pressed", codes.has(toggle.dataset.code) ? "true" : "false");
  }
  if (!active) {
    el.notes.value = "";
    el.clockState.textContent = tablet.text("not_checked_in");
    return;
  }
  if (document.activeElement !== el.notes) {
    el.notes.value = draft.notes || "";
  }
  const parts = [tablet.text("checked_in_at", { time: timeFormat.format(new Date(draft.started_at)) })];
  if (draft.ended_at) {
    parts.push(tablet.text("checked_out_at", { time: timeFormat.format(new Date(draft.ended_at)) }));
  }
  el.clockState.textContent = parts.join(" · ");
}

async function store() {
  draft.updated_at = new Date().toISOString();
  await draftPut(draft);
}

/* The end is strictly after the start, as the server requires, even when check-out follows
 * check-in within the same second. */
function endTime(startedAt) {
  const now = Date.now();
  return new Date(Math.max(now, Date.parse(startedAt) + 1000)).toISOString();
}

el.checkIn.addEventListener("click", async () => {
  if (draft) {
    return;
  }
  draft = {
    key: draftKey,
    owner: tablet.owner,
    recipient: recipient.id,
    client_uuid: newUuid(),
    started_at: new Date().toISOString(),
    ended_at: null,
    scheduled_visit: scheduled && scheduled.awaiting ? scheduled.id : null,
    service_types: scheduled
      ? el.toggles.map((t) => t.dataset.code).filter((c) => scheduled.plannedServices.includes(c))
      : [],
    notes: "",
  };
  say("");
  render();
  // The next step is the services (the planned ones are already chosen).
  el.toggles[0]?.focus();
  await store();
});

el.checkOut.addEventListener("click", async () => {
  if (!draft || draft.ended_at) {
    return;
  }
  draft.ended_at = endTime(draft.started_at);
  render();
  el.save.focus();
  await store();
});

for (const toggle of el.toggles) {
  toggle.addEventListener("click", async () => {
    if (!draft) {
      return;
    }
    const code = toggle.dataset.code;
    const codes = new Set(draft.service_types);
    if (codes.has(code)) {
      codes.delete(code);
    } else {
      codes.add(code);
    }
    // Kept in the page's order, so that the payload of a visit does not depend on tap order.
    draft.service_types = el.toggles.map((t) => t.dataset.code).filter((c) => codes.has(c));
    render();
    await store();
  });
}

el.notes.addEventListener("input", async () => {
  if (!draft) {
    return;
  }
  draft.notes = el.notes.value;
  await store();
});

el.save.addEventListener("click", async () => {
  if (!draft || saving) {
    return;
  }
  draft.notes = el.notes.value;
  if (!draft.service_types.length) {
    say(tablet.text("need_service"), "bad");
    el.toggles[0]?.focus();
    return;
  }
  // Saving is the end of the visit: a caregiver who forgot check-out is checked out now.
  if (!draft.ended_at) {
    draft.ended_at = endTime(draft.started_at);
  }
  saving = true;
  render();
  const payload = {
    client_uuid: draft.client_uuid,
    recipient: recipient.id,
    started_at: draft.started_at,
    ended_at: draft.ended_at,
    service_types: [...draft.service_types],
    notes: draft.notes.trim(),
  };
  if (draft.scheduled_visit) {
    payload.scheduled_visit = draft.scheduled_visit;
  }
  try {
    await saveDraftToOutbox(draftKey, {
      client_uuid: draft.client_uuid,
      owner: tablet.owner,
      payload,
      recipient_name: recipient.name,
      service_names: payload.service_types.map((code) => serviceNames[code] || code),
      saved_at: new Date().toISOString(),
    });
  } catch (error) {
    saving = false;
    render();
    say(tablet.text("save_failed", { error: String(error) }), "bad");
    return;
  }
  const savedUuid = draft.client_uuid;
  draft = null;
  render();
  say(tablet.text("saved_queued"), "ok");
  el.message.focus();
  await tablet.refreshCounter();
  const result = await Promise.race([
    tablet.sync(),
    new Promise((resolve) => setTimeout(() => resolve({ status: "waiting" }), SYNC_WAIT_MS)),
  ]);
  let message = tablet.text("saved_queued");
  if (result.status === "ok") {
    // Sent when it has left the outbox; a conflict or an error is shown by the sync bar.
    const items = await outboxList(tablet.owner);
    if (!items.some((item) => item.client_uuid === savedUuid)) {
      message = tablet.text("saved_sent");
    }
  }
  if (!(await canOpen(tablet.config.urls.home))) {
    // Offline with no stored list (dropped at a logout): stay here rather than show the
    // offline page; the screen is ready for the next visit.
    saving = false;
    render();
    say(message, "ok");
    el.message.focus();
    return;
  }
  // The visit is over: back to today's list, which says what became of it.
  tablet.leaveMessage(tablet.text("visit_saved", { name: recipient.name, message }), "ok");
  window.location.assign(tablet.config.urls.home);
});

/* Whether a tablet page opens: always online; offline only if the worker stored it. */
async function canOpen(url) {
  if (navigator.onLine) {
    return true;
  }
  try {
    const key = new URL(url, window.location.origin).href;
    return Boolean(await caches.match(key, { ignoreSearch: true, ignoreVary: true }));
  } catch (error) {
    return false;
  }
}

/* A check-in made by mistake: the draft goes, nothing was sent, and its client_uuid is never
 * used again. */
el.discard.addEventListener("click", async () => {
  if (!draft || saving || !window.confirm(tablet.text("discard_confirm"))) {
    return;
  }
  await draftRemove(draftKey);
  draft = null;
  say("");
  render();
  el.checkIn.focus();
});

render();
draftGet(draftKey)
  .then((stored) => {
    draft = stored || null;
  })
  .catch((error) => say(String(error), "bad"))
  .finally(() => {
    loaded = true;
    render();
  });
