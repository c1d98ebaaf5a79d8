/* The incident report (사고 신고): saved to the outbox first, like a visit, with its own
 * client_uuid made when the form is saved, then sent by the sync to POST /api/v1/incidents/
 * (idempotent by that uuid: a retry after a lost answer is the same incident).
 *
 * A suspected abuse or neglect report shows the reporting lines of the chosen recipient's
 * group (노인·아동·장애인·기타) and asks whether the call was made; the answer is sent with
 * the report (reporting_line and reported_to_line_at).
 */
import { tablet } from "./app.js";
import { newUuid, outboxAdd, outboxList } from "./outbox.js";

const settings = tablet.config.incident;
const SYNC_WAIT_MS = 5000;
const LATE_MS = 7 * 24 * 60 * 60 * 1000;
const SKEW_MS = 5 * 60 * 1000;

const el = {
  form: document.getElementById("incident-form"),
  recipient: document.getElementById("incident-recipient"),
  kinds: Array.from(document.querySelectorAll('input[name="kind"]')),
  lines: document.getElementById("reporting-lines"),
  groups: Array.from(document.querySelectorAll("#reporting-lines .line-group")),
  occurredAt: document.getElementById("incident-occurred-at"),
  place: document.getElementById("incident-place"),
  what: document.getElementById("incident-what"),
  action: document.getElementById("incident-action"),
  told: document.getElementById("incident-told"),
  late: document.getElementById("incident-late"),
  message: document.getElementById("incident-message"),
  save: document.getElementById("incident-save"),
};
// Opened from a visit in progress: the report names that visit by its tablet uuid.
const visitUuid = new URLSearchParams(window.location.search).get("visit");
let saving = false;

function say(text, kind = "") {
  el.message.textContent = text;
  el.message.dataset.kind = kind;
  if (text) {
    el.message.focus();
  }
}

function localInputValue(date) {
  const pad = (n) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

function chosenKind() {
  const checked = el.kinds.find((input) => input.checked);
  return checked ? checked.value : "";
}

function chosenRecipient() {
  const id = el.recipient.value;
  return id ? Number(id) : null;
}

function chosenLine() {
  const checked = el.lines.querySelector('input[name="reporting_line"]:checked');
  return checked ? checked.value : "";
}

/* Shows the lines of the recipient's group when the kind is a mandatory report. */
function showLines() {
  const mandatory = settings.mandatoryKinds.includes(chosenKind());
  const recipient = settings.recipients[el.recipient.value] || null;
  const group = recipient ? recipient.category : "other";
  el.lines.hidden = !mandatory;
  for (const box of el.groups) {
    box.hidden = !mandatory || box.dataset.group !== group;
    // A line of another group is never sent by mistake.
    if (box.hidden) {
      for (const input of box.querySelectorAll("input")) {
        input.checked = false;
      }
    }
  }
}

function check(kind, occurred) {
  if (!kind) {
    return ["incident_need_kind", el.kinds[0]];
  }
  if (settings.aboutARecipient.includes(kind) && !chosenRecipient()) {
    return ["incident_need_recipient", el.recipient];
  }
  if (settings.mandatoryKinds.includes(kind) && !chosenLine()) {
    return ["incident_need_call", el.lines];
  }
  if (!el.place.value.trim() || !el.what.value.trim()) {
    return ["incident_need_text", el.place.value.trim() ? el.what : el.place];
  }
  if (Number.isNaN(occurred.getTime()) || occurred.getTime() > Date.now() + SKEW_MS) {
    return ["incident_future", el.occurredAt];
  }
  if (occurred.getTime() < Date.now() - LATE_MS && !el.late.value.trim()) {
    return ["incident_need_late_reason", el.late];
  }
  return null;
}

el.form.addEventListener("change", showLines);
el.form.addEventListener("submit", async (event) => {
  event.preventDefault();
  if (saving) {
    return;
  }
  const kind = chosenKind();
  const occurred = new Date(el.occurredAt.value);
  const problem = check(kind, occurred);
  if (problem) {
    say(tablet.text(problem[0]), "bad");
    return;
  }
  const line = chosenLine();
  const recipient = chosenRecipient();
  const clientUuid = newUuid();
  const payload = {
    client_uuid: clientUuid,
    kind,
    occurred_at: occurred.toISOString(),
    place: el.place.value.trim(),
    what_happened: el.what.value.trim(),
    action_taken: el.action.value.trim(),
    who_was_told: el.told.value.trim(),
    late_reason: el.late.value.trim(),
    recipient,
  };
  if (visitUuid) {
    payload.visit_client_uuid = visitUuid;
  }
  if (line && line !== "none") {
    payload.reporting_line = Number(line);
    payload.reported_to_line_at = new Date().toISOString();
  }
  const name = recipient ? settings.recipients[String(recipient)].name : "";
  saving = true;
  el.save.disabled = true;
  try {
    await outboxAdd({
      client_uuid: clientUuid,
      owner: tablet.owner,
      type: "incident",
      payload,
      recipient_name: [tablet.text("incident_label"), name].filter(Boolean).join(" · "),
      service_names: [settings.kindNames[kind] || kind],
      saved_at: new Date().toISOString(),
    });
  } catch (error) {
    saving = false;
    el.save.disabled = false;
    say(tablet.text("save_failed", { error: String(error) }), "bad");
    return;
  }
  el.form.reset();
  say(tablet.text("saved_queued"), "ok");
  await tablet.refreshCounter();
  const result = await Promise.race([
    tablet.sync(),
    new Promise((resolve) => setTimeout(() => resolve({ status: "waiting" }), SYNC_WAIT_MS)),
  ]);
  let message = tablet.text("saved_queued");
  if (result.status === "ok") {
    const items = await outboxList(tablet.owner);
    if (!items.some((item) => item.client_uuid === clientUuid)) {
      message = tablet.text("saved_sent");
    }
  }
  tablet.leaveMessage(tablet.text("incident_saved", { message }), "ok");
  window.location.assign(tablet.config.urls.home);
});

el.occurredAt.value = localInputValue(new Date());
showLines();
document.documentElement.dataset.incidentReady = "1";
