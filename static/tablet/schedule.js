/* Today's and tomorrow's schedule pages. A page kept by the service worker may be opened
 * offline on a later day (the list of the evening before, in the morning with no signal):
 * the page says which day it shows, and tomorrow's page offers its visits once its day has
 * come on the tablet's clock. */
import { tablet } from "./app.js";

const dayFormat = new Intl.DateTimeFormat("en-CA", {
  timeZone: tablet.config.timeZone,
  year: "numeric",
  month: "2-digit",
  day: "2-digit",
});
const deviceToday = dayFormat.format(new Date());

for (const button of document.querySelectorAll("a.start[data-day]")) {
  button.hidden = button.dataset.day !== deviceToday;
}

const stale = document.getElementById("stale-day");
if (stale && tablet.config.day && tablet.config.today && tablet.config.today < deviceToday) {
  stale.hidden = false;
  stale.textContent = tablet.text("stale_day", { day: tablet.config.day });
}
