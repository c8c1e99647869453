// Copy buttons. <button data-copy-target="ID" data-copy-status="ID" hidden> copies the value of
// the field named by data-copy-target and says so in the live region named by
// data-copy-status. Progressive enhancement: without this script the button stays hidden and
// the field is still there to select and copy by hand. Served as a file, never inline: the
// Content-Security-Policy runs no inline script without the page's nonce.
(function () {
  "use strict";

  function copy(field) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(field.value);
    }
    field.focus();
    field.select();
    return document.execCommand("copy") ? Promise.resolve() : Promise.reject(new Error("refused"));
  }

  document.querySelectorAll("button[data-copy-target]").forEach(function (button) {
    var field = document.getElementById(button.getAttribute("data-copy-target"));
    var status = document.getElementById(button.getAttribute("data-copy-status"));
    if (!field || !status) {
      return;
    }
    button.hidden = false;
    button.addEventListener("click", function () {
      copy(field).then(
        function () {
          status.textContent = "Copied. Paste the address into your calendar program.";
        },
        function () {
          field.focus();
          field.select();
          status.textContent = "Your browser did not copy it: the address is selected, copy it with Ctrl+C (Cmd+C on a Mac).";
        }
      );
    });
  });
})();
