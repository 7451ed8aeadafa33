// The question builder's form: show only the fields of the chosen type (options for choice
// questions, the bounds for a scale). Without JavaScript every field shows, each labelled with
// the type it is for, and the server ignores the others: this only tidies the form.
(function () {
  "use strict";
  var FIELDS_OF = {
    single_choice: ["options"],
    multi_choice: ["options"],
    scale: ["scale_min", "scale_max"],
    text: []
  };
  var TYPED = ["options", "scale_min", "scale_max"];

  function fieldOf(form, name) {
    var input = form.querySelector("[name='" + name + "']");
    return input ? input.closest(".field") : null;
  }

  function update(form, select) {
    var wanted = FIELDS_OF[select.value] || TYPED;
    TYPED.forEach(function (name) {
      var field = fieldOf(form, name);
      if (field) {
        field.hidden = wanted.indexOf(name) === -1;
      }
    });
  }

  document.querySelectorAll("form.question-form").forEach(function (form) {
    var select = form.querySelector("select[name='type']");
    if (!select) {
      return;
    }
    select.addEventListener("change", function () { update(form, select); });
    update(form, select);
  });
})();
