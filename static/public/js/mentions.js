// Mentions. A <textarea data-mentions="URL"> offers, as one types "@" and the start of a
// name, up to ten members of the community (from URL?q=, JSON {"people": [{id, name}]}).
// Choosing one inserts @[Name](id), the syntax the site stores (discussions/mentions.py).
// The textarea becomes an ARIA combobox with a listbox: Up and Down move through the
// suggestions, Enter or Tab chooses, Escape closes. Without this script the textarea is
// plain and @[Name](id) can be typed by hand. Served as a file, never inline (CSP).
(function () {
  "use strict";

  var TRIGGER = /(^|\s)@([^\s@\[\]()]{1,40})$/;

  function enhance(field, index) {
    var url = field.getAttribute("data-mentions");
    if (!url) {
      return;
    }
    var listId = "mentions-" + index;
    var list = document.createElement("ul");
    list.id = listId;
    list.className = "app-mentions";
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", "Members to mention");
    list.hidden = true;
    // Styled here (the CSSOM, which the Content-Security-Policy allows), in the design
    // system's colours: a bordered list under the field, the chosen option in focus yellow.
    Object.assign(list.style, {
      listStyle: "none",
      margin: "0 0 16px",
      padding: "0",
      border: "2px solid #4c6272",
      background: "#ffffff",
      maxWidth: "30em",
    });
    var status = document.createElement("div");
    status.className = "nhsuk-u-visually-hidden";
    status.setAttribute("role", "status");
    field.insertAdjacentElement("afterend", list);
    list.insertAdjacentElement("afterend", status);
    field.setAttribute("role", "combobox");
    field.setAttribute("aria-autocomplete", "list");
    field.setAttribute("aria-controls", listId);
    field.setAttribute("aria-expanded", "false");

    var people = [];
    var active = -1;
    var match = null;
    var pending = null;

    function close() {
      list.hidden = true;
      list.innerHTML = "";
      people = [];
      active = -1;
      field.setAttribute("aria-expanded", "false");
      field.removeAttribute("aria-activedescendant");
    }

    function highlight(i) {
      active = i;
      Array.prototype.forEach.call(list.children, function (item, n) {
        item.setAttribute("aria-selected", n === i ? "true" : "false");
        item.style.background = n === i ? "#ffeb3b" : "";
        item.style.boxShadow = n === i ? "inset 0 -4px 0 #212b32" : "";
      });
      if (i >= 0) {
        field.setAttribute("aria-activedescendant", listId + "-" + i);
      } else {
        field.removeAttribute("aria-activedescendant");
      }
    }

    function show(found) {
      close();
      people = found;
      if (!people.length) {
        status.textContent = "No member of this community matches.";
        return;
      }
      people.forEach(function (person, n) {
        var item = document.createElement("li");
        item.id = listId + "-" + n;
        item.setAttribute("role", "option");
        item.setAttribute("aria-selected", "false");
        item.textContent = person.name;
        Object.assign(item.style, { padding: "8px 12px", cursor: "pointer" });
        item.addEventListener("mousedown", function (event) {
          event.preventDefault();
          choose(n);
        });
        list.appendChild(item);
      });
      list.hidden = false;
      field.setAttribute("aria-expanded", "true");
      status.textContent =
        people.length + (people.length === 1 ? " member" : " members") +
        " to mention: use the up and down arrows, then Enter.";
    }

    function choose(n) {
      var person = people[n];
      if (!person || !match) {
        return;
      }
      var caret = field.selectionStart;
      var start = caret - match.length;
      var token = "@[" + person.name.replace(/[\[\]]/g, "") + "](" + person.id + ") ";
      field.value = field.value.slice(0, start) + token + field.value.slice(caret);
      var at = start + token.length;
      field.setSelectionRange(at, at);
      status.textContent = person.name + " will be mentioned.";
      close();
    }

    function lookUp() {
      var before = field.value.slice(0, field.selectionStart);
      var found = TRIGGER.exec(before);
      if (!found) {
        match = null;
        close();
        return;
      }
      match = "@" + found[2];
      var query = found[2];
      if (pending) {
        pending.abort();
      }
      pending = new AbortController();
      fetch(url + "?q=" + encodeURIComponent(query), {
        credentials: "same-origin",
        headers: { Accept: "application/json" },
        signal: pending.signal,
      })
        .then(function (response) {
          return response.ok ? response.json() : { people: [] };
        })
        .then(function (body) {
          show(body.people || []);
        })
        .catch(function () {});
    }

    field.addEventListener("input", lookUp);
    field.addEventListener("blur", function () {
      window.setTimeout(close, 150);
    });
    field.addEventListener("keydown", function (event) {
      if (list.hidden || !people.length) {
        return;
      }
      if (event.key === "ArrowDown") {
        event.preventDefault();
        highlight((active + 1) % people.length);
      } else if (event.key === "ArrowUp") {
        event.preventDefault();
        highlight(active <= 0 ? people.length - 1 : active - 1);
      } else if ((event.key === "Enter" || event.key === "Tab") && active >= 0) {
        event.preventDefault();
        choose(active);
      } else if (event.key === "Escape") {
        event.preventDefault();
        close();
      }
    });
  }

  document.querySelectorAll("textarea[data-mentions]").forEach(enhance);
})();
