/* The search box in the header. Without this script the header shows a plain link to the
   glossary; with it, a search box over the index `lede build` writes into pagefind/.
   Pagefind's script (pagefind/pagefind.js) and index chunks load only once the box is
   used, so a page costs no more to open. Keys: "/" focuses the box, the arrow keys move
   through the results, Escape closes them. */
(function () {
  "use strict";
  var root = document.querySelector(".site-search[data-pagefind]");
  if (!root || !("noModule" in HTMLScriptElement.prototype)) return;
  var form = root.querySelector(".search-form");
  var input = root.querySelector(".search-input");
  var panel = root.querySelector(".search-panel");
  var status = root.querySelector(".search-status");
  var list = root.querySelector(".search-results");
  var fallback = root.querySelector(".search-fallback");
  var MAX = 8;
  var KINDS = { term: "Term", page: "Page", source: "Source" };
  var loading = null;
  var latest = 0;

  form.hidden = false;
  fallback.hidden = true;

  function pagefind() {
    if (!loading) {
      loading = import(root.getAttribute("data-pagefind")).then(function (pf) {
        // A term's other names count as much as its title; both outrank a mere mention.
        return pf.options({ ranking: { metaWeights: { title: 6, aliases: 6 } } }).then(function () {
          return pf;
        });
      });
      loading.catch(function () {
        loading = null;
      });
    }
    return loading;
  }

  function open(isOpen) {
    panel.hidden = !isOpen;
    root.classList.toggle("is-open", isOpen);
  }

  function close() {
    if (root.contains(document.activeElement) && document.activeElement !== input) input.focus();
    open(false);
  }

  /* Pagefind's excerpt is HTML of the page's own escaped text with the words found in
     <mark>; only its text and marks are kept. */
  function excerpt(html) {
    var parsed = document.createElement("template");
    parsed.innerHTML = html;
    var out = document.createDocumentFragment();
    parsed.content.childNodes.forEach(function (node) {
      if (node.nodeName === "MARK") {
        var mark = document.createElement("mark");
        mark.textContent = node.textContent;
        out.appendChild(mark);
      } else {
        out.appendChild(document.createTextNode(node.textContent));
      }
    });
    return out;
  }

  function item(data) {
    var kind = (data.filters && data.filters.kind && data.filters.kind[0]) || "page";
    var li = document.createElement("li");
    var a = document.createElement("a");
    a.className = "search-result";
    a.href = data.url;
    var head = document.createElement("span");
    head.className = "search-result-head";
    var label = document.createElement("span");
    label.className = "search-kind search-kind-" + kind;
    label.textContent = KINDS[kind] || kind;
    var title = document.createElement("span");
    title.className = "search-title";
    title.textContent = data.meta.title || data.url;
    head.append(label, " ", title);
    a.appendChild(head);
    if (data.meta.aliases) {
      var aliases = document.createElement("span");
      aliases.className = "search-aliases";
      aliases.textContent = "also " + data.meta.aliases;
      a.appendChild(aliases);
    }
    var text = document.createElement("span");
    text.className = "search-excerpt";
    text.appendChild(excerpt(data.excerpt || ""));
    a.appendChild(text);
    li.appendChild(a);
    return li;
  }

  function show(query, found, datas) {
    list.replaceChildren.apply(list, datas.map(item));
    var n = found.length;
    status.textContent =
      n === 0 ? "Nothing found for “" + query + "”" :
      n === 1 ? "1 result" :
      n > MAX ? n + " results, the first " + MAX + " shown" : n + " results";
    open(true);
  }

  function search() {
    var query = input.value.trim();
    var mine = ++latest;
    if (!query) {
      list.replaceChildren();
      status.textContent = "";
      open(false);
      return;
    }
    pagefind()
      .then(function (pf) { return pf.search(query); })
      .then(function (result) {
        var found = result ? result.results : [];
        return Promise.all(found.slice(0, MAX).map(function (r) { return r.data(); }))
          .then(function (datas) {
            if (mine === latest) show(query, found, datas);
          });
      })
      .catch(function () {
        if (mine !== latest) return;
        list.replaceChildren();
        status.textContent = "Search is unavailable here; the glossary lists every name.";
        fallback.hidden = false;
        open(true);
      });
  }

  function links() {
    return Array.prototype.slice.call(list.querySelectorAll("a"));
  }

  function move(by) {
    var all = links();
    if (!all.length) return;
    var at = all.indexOf(document.activeElement);
    var next = at === -1 ? (by > 0 ? 0 : all.length - 1) : at + by;
    if (next < 0 || next >= all.length) input.focus();
    else all[next].focus();
  }

  input.addEventListener("focus", function () {
    pagefind().catch(function () {});
    if (input.value.trim() && list.children.length) open(true);
  });
  input.addEventListener("input", search);
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var first = links()[0];
    if (first) first.focus();
  });
  root.addEventListener("keydown", function (event) {
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      if (panel.hidden) return;
      event.preventDefault();
      move(event.key === "ArrowDown" ? 1 : -1);
    } else if (event.key === "Escape" || event.key === "Esc") {
      if (panel.hidden) return;
      event.preventDefault();
      event.stopPropagation();
      close();
    }
  });
  document.addEventListener("keydown", function (event) {
    if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey) return;
    var target = event.target;
    var typing = target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName);
    if (typing) return;
    event.preventDefault();
    input.focus();
    input.select();
  });
  document.addEventListener("click", function (event) {
    if (!root.contains(event.target)) open(false);
  });
  root.addEventListener("focusout", function (event) {
    if (event.relatedTarget && !root.contains(event.relatedTarget)) open(false);
  });
})();
