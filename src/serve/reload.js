// lede serve: live reload. Served at /__lede/reload.js and added to pages only by
// `lede serve`. Listens to /__lede/events (Server-Sent Events, same origin):
// - a page that changed reloads, keeping its scroll position;
// - a stylesheet that changed is swapped in place, without a reload;
// - a build that failed shows its errors over the page until the next good build.
(() => {
  'use strict';
  const me = document.currentScript;
  const built = me ? Number(me.dataset.build) : -1;
  const instance = me ? me.dataset.instance : '';
  const notFound = me ? me.dataset.status === '404' : false;
  const SCROLL = 'lede:scroll';
  const here = () => decodeURIComponent(location.pathname).replace(/index\.html$/, '');

  // Put the page back where it was before the reload.
  try {
    const saved = JSON.parse(sessionStorage.getItem(SCROLL) || 'null');
    sessionStorage.removeItem(SCROLL);
    if (saved && saved.path === location.pathname) {
      const restore = () => window.scrollTo(saved.x, saved.y);
      restore();
      window.addEventListener('load', restore, { once: true });
    }
  } catch (_) {
    // Storage may be disabled; reloading still works.
  }

  function reload() {
    try {
      sessionStorage.setItem(
        SCROLL,
        JSON.stringify({ path: location.pathname, x: window.scrollX, y: window.scrollY }),
      );
    } catch (_) {
      // No storage: the page reloads at the top.
    }
    location.reload();
  }

  // Replaces each changed same-origin stylesheet with a fresh copy; the old one goes once
  // the new one has loaded, so the page never shows unstyled.
  function swapStylesheets(paths) {
    const links = [...document.querySelectorAll('link[rel~="stylesheet"]')].filter(
      (link) => new URL(link.href, location.href).origin === location.origin,
    );
    const named = links.filter((link) => paths.includes(new URL(link.href, location.href).pathname));
    // A stylesheet that is @imported by another: refresh them all.
    for (const link of named.length ? named : links) {
      const url = new URL(link.href, location.href);
      url.searchParams.set('lede-reload', String(Date.now()));
      const next = link.cloneNode();
      next.href = url.href;
      const done = () => link.remove();
      next.addEventListener('load', done, { once: true });
      next.addEventListener('error', done, { once: true });
      link.after(next);
    }
  }

  const OVERLAY = '__lede_errors';
  function showErrors(errors) {
    let box = document.getElementById(OVERLAY);
    if (!errors || errors.length === 0) {
      if (box) box.remove();
      return;
    }
    if (!box) {
      box = document.createElement('div');
      box.id = OVERLAY;
      box.setAttribute('role', 'alert');
      box.style.cssText =
        'position:fixed;left:0;right:0;top:0;z-index:2147483647;max-height:70vh;overflow:auto;' +
        'margin:0;padding:1rem 1.25rem;background:#1b1b1f;color:#f1f1f1;' +
        'font:14px/1.45 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;' +
        'box-shadow:0 4px 24px rgba(0,0,0,.5);border-bottom:4px solid #e5484d;text-align:left';
      (document.body || document.documentElement).append(box);
    }
    const title = document.createElement('p');
    title.style.cssText = 'margin:0 0 .75rem;font-weight:bold;color:#ff9592';
    title.textContent = `lede: the last save does not build (${errors.length} ${
      errors.length === 1 ? 'error' : 'errors'
    }); this is the last good version.`;
    const close = document.createElement('button');
    close.type = 'button';
    close.textContent = 'Hide';
    close.style.cssText = 'float:right;font:inherit;cursor:pointer';
    close.addEventListener('click', () => box.remove());
    const items = errors.map((e) => {
      const pre = document.createElement('pre');
      pre.style.cssText = 'margin:0 0 .75rem;white-space:pre-wrap;color:inherit;background:none';
      const where = document.createElement('strong');
      where.textContent = e.location ? `${e.location}: ` : '';
      pre.append(where, e.text || e.message);
      return pre;
    });
    box.replaceChildren(close, title, ...items);
  }

  function onMessage(m) {
    showErrors(m.errors);
    if (m.kind === 'hello') {
      // A build we did not hear about happened while disconnected (or the server restarted).
      if (m.instance !== instance || m.build !== built) reload();
      return;
    }
    if (m.errors && m.errors.length) return;
    const page = here();
    const pages = (m.pages || []).map((p) => p.replace(/index\.html$/, ''));
    if (m.all || pages.includes(page) || (notFound && pages.length)) {
      reload();
    } else if (m.css && m.css.length) {
      swapStylesheets(m.css);
    }
  }

  const events = new EventSource('/__lede/events');
  events.addEventListener('message', (event) => {
    try {
      onMessage(JSON.parse(event.data));
    } catch (e) {
      console.warn('lede: bad live-reload message', e);
    }
  });
})();
