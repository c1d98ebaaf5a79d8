// Forms that ask before they act (closing a month freezes its figures): the question is in
// the form's data-confirm attribute. An external script, so the pages keep a Content Security
// Policy without inline scripts.
for (const form of document.querySelectorAll("form[data-confirm]")) {
  form.addEventListener("submit", (event) => {
    if (!window.confirm(form.dataset.confirm)) event.preventDefault();
  });
}
