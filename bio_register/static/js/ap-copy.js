// "Kopie voor het AP-meldformulier": a copy button beside every answer block ([data-copy]).
// Progressive enhancement: without script (or without a clipboard) the answers are plain
// selectable text. Loaded as a file of our own ('self'), no inline code: the CSP allows it.
(function () {
  "use strict";
  var status = document.querySelector(".copy-status");

  function say(text) {
    if (status) {
      status.textContent = text;
    }
  }

  function fallbackCopy(block) {
    var range = document.createRange();
    range.selectNodeContents(block);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
    var done = false;
    try {
      done = document.execCommand("copy");
    } catch (error) {
      done = false;
    }
    return done;
  }

  function copy(block, button) {
    var text = block.textContent;
    var name = block.getAttribute("data-copy-name") || "";
    var copied = (status && status.getAttribute("data-copied")) || "Gekopieerd";
    var failed = (status && status.getAttribute("data-failed")) || "";
    function ok() {
      button.classList.add("copied");
      button.setAttribute("data-state", "copied");
      say(copied + ": " + name);
    }
    function fail() {
      if (fallbackCopy(block)) {
        ok();
      } else {
        say(failed);
      }
    }
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(text).then(ok, fail);
    } else {
      fail();
    }
  }

  var blocks = document.querySelectorAll("[data-copy]");
  Array.prototype.forEach.call(blocks, function (block) {
    var button = document.createElement("button");
    button.type = "button";
    button.className = "button button-secondary copy-button";
    button.textContent = block.getAttribute("data-copy-label") || "Kopieer";
    button.setAttribute("aria-label", button.textContent + ": " + (block.getAttribute("data-copy-name") || ""));
    button.addEventListener("click", function () {
      copy(block, button);
    });
    block.parentNode.insertBefore(button, block.nextSibling);
  });
}());
