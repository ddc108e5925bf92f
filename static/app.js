// Keydesk progressive enhancements. Every page works without this file; the CSP
// forbids inline scripts, so all behaviour hangs off data-* attributes here.
(() => {
  'use strict';

  const $$ = (sel, root = document) => Array.from(root.querySelectorAll(sel));

  // Lets CSS hide no-JS fallbacks such as the "Change role" button (.js .js-hidden).
  document.documentElement.classList.add('js');

  // localStorage can throw (private mode, blocked storage); losing state is fine.
  const store = {
    get(key) { try { return localStorage.getItem(key); } catch { return null; } },
    set(key, value) { try { localStorage.setItem(key, value); } catch { /* ignore */ } },
  };

  // One polite live region, made up front so screen readers register it before it speaks.
  let live = document.getElementById('live-region');
  if (!live) {
    live = Object.assign(document.createElement('div'), { id: 'live-region', className: 'visually-hidden' });
    live.setAttribute('aria-live', 'polite');
    document.body.append(live);
  }
  const announce = (message) => {
    live.textContent = '';
    setTimeout(() => { live.textContent = message; }, 50); // clearing first re-announces repeats
  };

  // Destructive forms ask first; the server still checks everything.
  document.addEventListener('submit', (event) => {
    const form = event.target.closest('form[data-confirm]');
    if (form && !window.confirm(form.dataset.confirm)) event.preventDefault();
  });

  // Selects save on change; their fallback submit button is .js-hidden.
  document.addEventListener('change', (event) => {
    const select = event.target;
    if (!select.matches('select[data-autosubmit]') || !select.form) return;
    if (select.form.requestSubmit) select.form.requestSubmit(); else select.form.submit();
  });

  // Copy buttons: the async clipboard API needs a secure context, so fall back to execCommand.
  const copyText = async (field) => {
    const text = 'value' in field ? field.value : field.textContent;
    if (navigator.clipboard && window.isSecureContext) {
      try { await navigator.clipboard.writeText(text); return true; } catch { /* fall back */ }
    }
    if (typeof field.select !== 'function') return false;
    field.select();
    try { return document.execCommand('copy'); } catch { return false; }
  };

  document.addEventListener('click', async (event) => {
    const button = event.target.closest('[data-copy-target]');
    if (!button) return;
    const field = document.querySelector(button.dataset.copyTarget);
    if (!field) return;
    event.preventDefault();
    const ok = await copyText(field);
    if (!ok) {
      if (typeof field.select === 'function') { field.focus(); field.select(); }
      announce('Could not copy automatically. The text is selected: press Ctrl+C or ⌘C.');
      return;
    }
    // Remember the original label once, so repeated clicks restore it correctly.
    // The button has a min-width in CSS, so "Copied" doesn't make it jump.
    if (!('label' in button.dataset)) button.dataset.label = button.textContent;
    button.textContent = 'Copied';
    // A status region that was in the page from the start is announced reliably.
    const status = button.dataset.copyStatus && document.querySelector(button.dataset.copyStatus);
    if (status) {
      status.textContent = '';
      setTimeout(() => { status.textContent = 'Copied'; }, 50);
      clearTimeout(status.copyTimer);
      status.copyTimer = setTimeout(() => { status.textContent = ''; }, 4000);
    } else {
      announce('Copied to clipboard');
    }
    clearTimeout(button.copyTimer);
    button.copyTimer = setTimeout(() => { button.textContent = button.dataset.label; }, 2000);
  });

  // Long secrets are easier to grab when the whole value is selected (click re-selects after mouseup).
  for (const type of ['focusin', 'click']) {
    document.addEventListener(type, (event) => {
      const input = event.target;
      if (input.matches && input.matches('[data-select-on-focus]') && input.select) input.select();
    });
  }

  // Collapsible sections stay the way the user left them.
  for (const details of $$('details[data-remember]')) {
    const key = 'keydesk:open:' + details.dataset.remember;
    const saved = store.get(key);
    if (saved !== null) details.open = saved === '1';
    details.addEventListener('toggle', () => store.set(key, details.open ? '1' : '0'));
  }

  // Client-side table filter; without JS the full table is simply shown.
  for (const input of $$('[data-filter-table]')) {
    const table = document.querySelector(input.dataset.filterTable);
    if (!table) continue;
    const scope = table.closest('section, .card') || table.parentElement;
    const empty = scope.querySelector('[data-filter-empty]');
    const run = () => {
      const query = input.value.trim().toLowerCase();
      let shown = 0;
      for (const row of $$('tbody > tr', table)) {
        row.hidden = Boolean(query) && !row.textContent.toLowerCase().includes(query);
        if (!row.hidden) shown += 1;
      }
      if (empty) empty.hidden = shown > 0;
    };
    input.addEventListener('input', run);
    run(); // the browser may restore a typed value on back/forward navigation
  }

  // Inline rename: the open link leads to a plain rename page when JS is off.
  const editParts = (box) => {
    const form = box.querySelector('.inline-edit-form');
    const link = box.querySelector('[data-inline-edit-open]');
    const view = box.querySelector('[data-inline-edit-view]') ||
      (link && Array.from(box.children).find((c) => c !== form && c.contains(link)));
    return { form, link, view };
  };
  const setEditing = (box, editing) => {
    const { form, link, view } = editParts(box);
    if (!form) return;
    form.hidden = !editing;
    if (view) view.hidden = editing;
    if (editing) {
      const first = form.querySelector('input:not([type="hidden"]), select, textarea');
      if (first) { first.focus(); if (first.select) first.select(); }
    } else {
      form.reset();
      if (link) link.focus(); // return focus to where the user started
    }
  };
  for (const box of $$('[data-inline-edit]')) {
    // A server-rendered validation error keeps the form open; otherwise start closed.
    const { form, view } = editParts(box);
    const invalid = Boolean(form && form.querySelector('[aria-invalid="true"]'));
    if (form) form.hidden = !invalid;
    if (view) view.hidden = invalid;
  }
  document.addEventListener('click', (event) => {
    const open = event.target.closest('[data-inline-edit-open]');
    const cancel = event.target.closest('[data-inline-edit-cancel]');
    const box = (open || cancel) && (open || cancel).closest('[data-inline-edit]');
    if (!box) return;
    event.preventDefault();
    setEditing(box, Boolean(open));
  });
  document.addEventListener('keydown', (event) => {
    if (event.key !== 'Escape') return;
    const form = event.target.closest && event.target.closest('[data-inline-edit] .inline-edit-form');
    if (form && !form.hidden) { event.preventDefault(); setEditing(form.closest('[data-inline-edit]'), false); return; }
    // Escape also closes an open profile menu, like other menus do.
    const profile = document.querySelector('details.profile[open]');
    if (profile && profile.contains(document.activeElement)) profile.querySelector('summary').focus();
    if (profile) profile.open = false;
  });

  // A click outside the profile menu closes it.
  document.addEventListener('click', (event) => {
    const profile = document.querySelector('details.profile[open]');
    if (profile && !profile.contains(event.target)) profile.open = false;
  });
})();
