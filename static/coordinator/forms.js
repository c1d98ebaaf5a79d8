/* The desk's long forms. A page that comes back with errors moves focus to the error summary
 * at its top (the summary's autofocus does the same where a browser honours it on a
 * non-control), so that a keyboard or screen reader user starts at the list of what to fix;
 * each of the summary's links then puts focus in its field, where a plain fragment link would
 * only scroll. Pages without a summary but with an error message (an action refused) move
 * focus to that message. Everything works without this script, minus the focus.
 */

const summary = document.querySelector("[data-error-summary]");
const refused = document.querySelector(".messages .error");

if (summary) {
  summary.focus();
  summary.addEventListener("click", (event) => {
    const link = event.target.closest("a[href^='#']");
    const target = link && document.getElementById(decodeURIComponent(link.hash.slice(1)));
    if (!target) return;
    const control = target.matches("input, select, textarea")
      ? target
      : target.querySelector("input, select, textarea");
    if (!control) return;
    event.preventDefault();
    (target.closest(".field") || target).scrollIntoView({ block: "start" });
    control.focus({ preventScroll: true });
  });
} else if (refused) {
  refused.tabIndex = -1;
  refused.focus();
}
