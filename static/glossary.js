/* Glossary tooltips: Escape hides the definition that is showing (WCAG 1.4.13,
   "dismissible"); it comes back when the pointer or focus leaves and returns.
   Tooltips work without this script; it only adds the way to dismiss them. */
(function () {
  "use strict";
  var CLOSED = "tip-closed";
  function refOf(node) {
    return node && node.closest ? node.closest(".term-ref") : null;
  }
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape" && event.key !== "Esc") return;
    var open = document.querySelectorAll(".term-ref:hover, .term-ref:focus-within");
    for (var i = 0; i < open.length; i++) open[i].classList.add(CLOSED);
  });
  function reset(event) {
    var ref = refOf(event.target);
    if (ref && !ref.contains(event.relatedTarget)) ref.classList.remove(CLOSED);
  }
  document.addEventListener("mouseout", reset);
  document.addEventListener("focusout", reset);
})();
