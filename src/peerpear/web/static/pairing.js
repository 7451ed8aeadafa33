// The working pairing page (web/pairing_router.py), enhanced. People can be dragged onto
// another group, and the section's edit forms are sent with fetch: the server answers the
// pairing section anew (fragment=1), with its checks and figures measured after the edit, and
// it replaces the old one without a page load. Without this script the same forms post and
// the page reloads; the "Move" menus next to each person are the keyboard path for dragging.
(function () {
  "use strict";

  var container = document.getElementById("pairing");
  var announcer = document.getElementById("pairing-announce");
  if (!container || !window.fetch || !window.FormData) {
    return;
  }
  var dragged = null;
  var busy = false;

  function announce(text) {
    if (announcer) {
      announcer.textContent = text;
    }
  }

  // What a screen reader hears after an edit: the outcome and the figures, which changed.
  function summary() {
    var parts = [];
    var outcome = container.querySelector("#pairing-refusal, .flash");
    var validation = container.querySelector("#pairing-validation");
    var mean = container.querySelector('[data-metric="mean"]');
    var worst = container.querySelector('[data-metric="worst"]');
    if (outcome) {
      parts.push(outcome.textContent.trim());
    }
    if (mean && worst) {
      parts.push("Mean satisfaction " + mean.textContent.trim() + ", worst-off " +
        worst.textContent.trim() + ".");
    }
    if (validation) {
      parts.push(validation.textContent.trim());
    }
    return parts.join(" ");
  }

  // Focus after the section is replaced: the refusal if any, else the group the edit was about.
  function refocus(groupId) {
    var target = container.querySelector("#pairing-refusal") ||
      (groupId && document.getElementById("group-" + groupId + "-heading")) ||
      document.getElementById("groups-heading");
    if (target) {
      target.setAttribute("tabindex", "-1");
      target.focus();
    }
  }

  function send(form, overrides) {
    if (busy) {
      return;
    }
    busy = true;
    container.setAttribute("aria-busy", "true");
    var data = new FormData(form);
    Object.keys(overrides || {}).forEach(function (name) {
      data.set(name, overrides[name]);
    });
    data.set("fragment", "1");
    var groupId = data.get("group_id");
    fetch(form.action, {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { Accept: "text/html" },
    })
      .then(function (response) {
        if (response.redirected) { // signed out meanwhile: the sign-in page
          window.location.assign(response.url);
          return null;
        }
        return response.text().then(function (html) {
          if (/^\s*<!doctype/i.test(html)) {
            // A whole page (an expired form, the pairing gone): show the page as it is now.
            window.location.reload();
            return;
          }
          container.innerHTML = html;
          refocus(groupId);
          announce(summary());
        });
      })
      .catch(function () {
        announce("The change could not be sent. Check the connection and try again.");
      })
      .then(function () {
        busy = false;
        container.removeAttribute("aria-busy");
      });
  }

  container.addEventListener("submit", function (event) {
    var form = event.target;
    if (form instanceof HTMLFormElement && form.hasAttribute("data-enhance")) {
      event.preventDefault();
      send(form);
    }
  });

  function dropTarget(event) {
    var group = event.target instanceof Element ? event.target.closest(".pairing-group") : null;
    if (!group || !dragged || group.hasAttribute("data-locked") || group.contains(dragged)) {
      return null;
    }
    return group;
  }

  function clearTargets() {
    container.querySelectorAll(".drop-target").forEach(function (group) {
      group.classList.remove("drop-target");
    });
  }

  container.addEventListener("dragstart", function (event) {
    var person = event.target instanceof Element ?
      event.target.closest('[draggable="true"][data-registration-id]') : null;
    if (!person || !person.querySelector("form.move-form")) {
      return;
    }
    dragged = person;
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", person.getAttribute("data-registration-id"));
    person.classList.add("dragging");
  });

  container.addEventListener("dragend", function () {
    if (dragged) {
      dragged.classList.remove("dragging");
    }
    dragged = null;
    clearTargets();
  });

  container.addEventListener("dragover", function (event) {
    var group = dropTarget(event);
    if (group) {
      event.preventDefault(); // allows the drop
      event.dataTransfer.dropEffect = "move";
      clearTargets();
      group.classList.add("drop-target");
    }
  });

  container.addEventListener("drop", function (event) {
    var group = dropTarget(event);
    if (!group) {
      return;
    }
    event.preventDefault();
    var form = dragged.querySelector("form.move-form");
    clearTargets();
    send(form, { group_id: group.getAttribute("data-group-id") });
  });
})();
