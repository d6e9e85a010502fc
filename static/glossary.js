/* Glossary tooltips. They work without this script (hover and focus show them); it adds:
   - Escape hides the definition that is showing (WCAG 1.4.13, "dismissible"); it comes
     back when the pointer or focus leaves and returns.
   - On touch screens, where there is no hover, a first tap on a term shows its definition
     and a second tap follows the link; a tap elsewhere hides it. */
(function () {
  "use strict";
  var CLOSED = "tip-closed";
  var OPEN = "tip-open";
  var touch = false;
  function refOf(node) {
    return node && node.closest ? node.closest(".term-ref") : null;
  }
  function closeAll(except) {
    var open = document.querySelectorAll(".term-ref." + OPEN);
    for (var i = 0; i < open.length; i++) {
      if (open[i] !== except) open[i].classList.remove(OPEN);
    }
  }
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape" && event.key !== "Esc") return;
    var open = document.querySelectorAll(".term-ref:hover, .term-ref:focus-within, .term-ref." + OPEN);
    for (var i = 0; i < open.length; i++) {
      open[i].classList.remove(OPEN);
      open[i].classList.add(CLOSED);
    }
  });
  function reset(event) {
    var ref = refOf(event.target);
    if (ref && !ref.contains(event.relatedTarget)) ref.classList.remove(CLOSED);
  }
  document.addEventListener("mouseout", reset);
  document.addEventListener("focusout", reset);
  document.addEventListener("pointerdown", function (event) {
    touch = event.pointerType === "touch" || event.pointerType === "pen";
  });
  document.addEventListener("click", function (event) {
    var ref = refOf(event.target);
    if (!touch) return;
    if (!ref || !event.target.closest("a.term")) {
      closeAll(null);
      return;
    }
    if (ref.classList.contains(OPEN)) return; // second tap: follow the link
    event.preventDefault();
    closeAll(ref);
    ref.classList.remove(CLOSED);
    ref.classList.add(OPEN);
  });
})();
