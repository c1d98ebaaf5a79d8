/* The new-consultation page: who the person is, the recipient picker, and the resource search
 * panel whose "의뢰 추가" buttons fill the consultation's referral list with one click.
 *
 * The page works without this script too (the panel's search reloads the page); the script
 * only saves the reload and keeps the typed consultation while the counselor searches. What
 * is saved, and whether consent was given, the server decides.
 */

const form = document.getElementById("consultation-form");
const referralList = document.getElementById("referral-list");
const referralEmpty = document.getElementById("referral-empty");
const referralCount = document.getElementById("referral-count");
const panelCount = document.getElementById("panel-referral-count");
const itemTemplate = document.getElementById("referral-item-template");
const consentBox = document.getElementById("id_share_consent");
const consentNeeded = document.getElementById("consent-needed");
const searchForm = document.getElementById("resource-search");
const results = document.getElementById("resource-results");
const matches = document.getElementById("recipient-matches");
const chosen = document.getElementById("recipient-chosen");
const recipientInput = document.getElementById("id_recipient");
const recipientQuery = document.getElementById("recipient-q");
const regionSelect = document.getElementById("id_region");

function personKind() {
  return form.querySelector("input[name=person_kind]:checked")?.value || "named";
}

function referredIds() {
  return new Set([...referralList.querySelectorAll("input[name=resources]")].map((i) => i.value));
}

/* Only the fields of the chosen kind of person are shown; hidden ones are not cleared, so a
 * slip of the finger loses nothing (the server ignores the fields of the other kinds). */
function showPersonFields() {
  const kind = personKind();
  for (const element of form.querySelectorAll("[data-person]")) {
    element.hidden = !element.dataset.person.split(" ").includes(kind);
  }
  updateReferrals();
}

function updateReferrals() {
  const ids = referredIds();
  referralCount.textContent = String(ids.size);
  panelCount.textContent = String(ids.size);
  referralEmpty.hidden = ids.size > 0;
  consentNeeded.hidden = !(ids.size > 0 && personKind() !== "anonymous" && !consentBox.checked);
  for (const button of results.querySelectorAll("button.add-referral")) {
    const added = ids.has(button.dataset.resourceId);
    button.classList.toggle("added", added);
    // The panel's buttons say what a click will do, and what it did.
    button.textContent = added ? results.dataset.addedText : button.dataset.addText;
    button.setAttribute("aria-pressed", added ? "true" : "false");
  }
}

function addReferral(button) {
  const id = button.dataset.resourceId;
  if (referredIds().has(id)) {
    return;
  }
  const item = itemTemplate.content.firstElementChild.cloneNode(true);
  item.dataset.resourceId = id;
  item.querySelector("input[name=resources]").value = id;
  item.querySelector(".name").textContent = button.dataset.resourceName;
  item.querySelector(".organization").textContent = button.dataset.organizationName;
  referralList.append(item);
  updateReferrals();
}


async function searchResources(event) {
  event.preventDefault();
  const query = new URLSearchParams(new FormData(searchForm));
  results.setAttribute("aria-busy", "true");
  try {
    const response = await fetch(`${searchForm.dataset.url}?${query}`, {
      headers: { Accept: "text/html" },
      credentials: "same-origin",
    });
    if (!response.ok) {
      throw new Error(`HTTP ${response.status}`);
    }
    results.innerHTML = await response.text();
  } catch (error) {
    results.textContent = results.dataset.failedText;
  } finally {
    results.removeAttribute("aria-busy");
    updateReferrals();
  }
}

function showMatches(found) {
  matches.replaceChildren();
  if (!found.length) {
    const empty = document.createElement("li");
    empty.className = "muted";
    empty.textContent = matches.dataset.empty;
    matches.append(empty);
    return;
  }
  for (const recipient of found) {
    const item = document.createElement("li");
    const label = document.createElement("span");
    const name = document.createElement("strong");
    name.textContent = recipient.name;
    const details = document.createElement("span");
    details.className = "muted";
    details.textContent = ` ${recipient.birth_date} · ${recipient.region_name} ${recipient.admin_unit} · ${recipient.phone} · ${recipient.status}`;
    label.append(name, details);
    const pick = document.createElement("button");
    pick.type = "button";
    pick.className = "secondary";
    pick.textContent = matches.dataset.pick;
    pick.addEventListener("click", () => {
      recipientInput.value = String(recipient.id);
      chosen.replaceChildren(name.cloneNode(true), details.cloneNode(true));
      // The consultation is about this person's region unless the counselor said otherwise.
      if (regionSelect && !regionSelect.value) {
        regionSelect.value = recipient.region;
        regionSelect.dispatchEvent(new Event("change"));
      }
      matches.replaceChildren();
    });
    item.append(label, pick);
    matches.append(item);
  }
}

async function findRecipients() {
  const q = recipientQuery.value.trim();
  if (q.length < 2) {
    return;
  }
  try {
    const response = await fetch(`${matches.dataset.url}?${new URLSearchParams({ q })}`, {
      headers: { Accept: "application/json" },
      credentials: "same-origin",
    });
    if (!response.ok) {
      throw new Error(`HTTP ${response.status}`);
    }
    showMatches((await response.json()).results);
  } catch (error) {
    matches.replaceChildren();
    const failed = document.createElement("li");
    failed.className = "errorlist";
    failed.textContent = matches.dataset.failed;
    matches.append(failed);
  }
}

for (const radio of form.querySelectorAll("input[name=person_kind]")) {
  radio.addEventListener("change", showPersonFields);
}
consentBox.addEventListener("change", updateReferrals);
searchForm.addEventListener("submit", searchResources);
results.addEventListener("click", (event) => {
  const button = event.target.closest("button.add-referral");
  if (button) {
    addReferral(button);
  }
});
referralList.addEventListener("click", (event) => {
  const button = event.target.closest("button.remove-referral");
  if (button) {
    button.closest("li").remove();
    updateReferrals();
  }
});
document.getElementById("recipient-find").addEventListener("click", findRecipients);
recipientQuery.addEventListener("keydown", (event) => {
  // Enter in the search box looks the person up; it must not submit the consultation.
  if (event.key === "Enter") {
    event.preventDefault();
    findRecipients();
  }
});
// The panel searches where the person lives unless the counselor picked another region.
regionSelect?.addEventListener("change", () => {
  const panelRegion = searchForm.querySelector("select[name='rs-region']");
  if (panelRegion && !panelRegion.value) {
    panelRegion.value = regionSelect.value;
  }
});

showPersonFields();
document.documentElement.dataset.deskReady = "1";
