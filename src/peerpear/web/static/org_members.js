// The members page, enhanced: a confirmation before removing a member or revoking a link, and a
// button that copies a new invite link. Without JavaScript the forms work as they are.
"use strict";

document.querySelectorAll("form[data-confirm]").forEach((form) => {
  form.addEventListener("submit", (event) => {
    if (!window.confirm(form.dataset.confirm)) {
      event.preventDefault();
    }
  });
});

document.querySelectorAll("[data-copy-source]").forEach((input) => {
  if (!navigator.clipboard) {
    return;
  }
  const button = document.createElement("button");
  button.type = "button";
  button.className = "button secondary";
  button.textContent = "Copy link";
  const said = document.createElement("span");
  said.setAttribute("aria-live", "polite");
  said.className = "hint";
  button.addEventListener("click", () => {
    navigator.clipboard.writeText(input.value).then(
      () => { said.textContent = " Copied."; },
      () => { input.select(); said.textContent = " Select the link and copy it."; },
    );
  });
  input.after(button, said);
});
