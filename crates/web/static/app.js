// Progressive enhancement only: every page works without this file.
// Risky actions ask first: see confirm.js, loaded before the page is drawn.
// Shows only the fields of the chosen customer kind on the create form.
(function () {
  var kind = document.getElementById('kind');
  if (!kind || !document.querySelector('.field')) return;
  function sync() {
    var k = kind.value;
    document.querySelectorAll('.field').forEach(function (f) {
      // Built-in fields are marked individual / organization; custom fields carry their own kind.
      f.hidden = !(f.classList.contains(k) ||
        f.classList.contains(k === 'individual' ? 'individual' : 'organization'));
    });
  }
  kind.addEventListener('change', sync);
  sync();
})();
// Type-ahead lists: the header's customer search (choosing opens the customer) and pickers in forms
// (`data-picker`: choosing fills the field with the chosen record's number and shows its name). The server
// renders the options, masked and escaped; arrow keys move, Enter chooses, Escape closes. Without this file
// the header box is a plain search form and a picker a plain field.
function typeahead(box, list, url, choose) {
  var timer = null, seq = 0, active = -1;
  function options() { return list.querySelectorAll('li[role=option]:not([aria-disabled])'); }
  function close() {
    list.hidden = true; active = -1;
    box.setAttribute('aria-expanded', 'false'); box.removeAttribute('aria-activedescendant');
  }
  function mark(i) {
    var o = options();
    if (!o.length) return;
    active = (i + o.length) % o.length;
    o.forEach(function (li, k) { li.setAttribute('aria-selected', k === active ? 'true' : 'false'); });
    box.setAttribute('aria-activedescendant', o[active].id);
  }
  function fetchNow() {
    var q = box.value.trim();
    if (!q) { close(); return; }
    var mine = ++seq;
    fetch(url + encodeURIComponent(q), { credentials: 'same-origin' })
      .then(function (r) { return r.ok ? r.text() : ''; })
      .then(function (html) {
        if (mine !== seq) return; // an older answer arriving late
        // A choice the user already moved to stays chosen when fresher results arrive.
        var kept = active >= 0 && options()[active] ? options()[active].dataset.value : null;
        list.innerHTML = html; active = -1;
        list.hidden = !html; box.setAttribute('aria-expanded', html ? 'true' : 'false');
        if (kept) {
          options().forEach(function (li, k) { if (li.dataset.value === kept) mark(k); });
        }
      })
      .catch(close);
  }
  box.addEventListener('input', function () { clearTimeout(timer); timer = setTimeout(fetchNow, 150); });
  box.addEventListener('keydown', function (e) {
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      if (list.hidden) return;
      e.preventDefault(); mark(active + (e.key === 'ArrowDown' ? 1 : -1));
    } else if (e.key === 'Enter' && active >= 0 && !list.hidden) {
      e.preventDefault(); choose(options()[active]); close();
    } else if (e.key === 'Escape') { close(); }
  });
  list.addEventListener('click', function (e) {
    var li = e.target.closest && e.target.closest('li[role=option]:not([aria-disabled])');
    if (li && li.dataset.value !== undefined) { e.preventDefault(); choose(li); close(); }
  });
  document.addEventListener('click', function (e) { if (!list.contains(e.target) && e.target !== box) close(); });
}
(function () {
  var box = document.getElementById('quick-q');
  var list = document.getElementById('quick-list');
  if (box && list) {
    typeahead(box, list, '/customers/suggest?q=', function (li) {
      var a = li.querySelector('a');
      if (a) window.location.href = a.href;
    });
  }
  document.querySelectorAll('input[data-picker]').forEach(function (input) {
    var list = document.getElementById(input.getAttribute('aria-controls'));
    var shown = document.getElementById(input.id + '-picked');
    if (!list) return;
    typeahead(input, list, input.getAttribute('data-picker'), function (li) {
      if (li.dataset.value === undefined) return;
      input.value = li.dataset.value;
      if (shown) shown.textContent = li.dataset.label || '';
    });
  });
})();
// A link to a collapsed section ("记录联系" → #log-contact) opens it.
(function () {
  function openTarget() {
    var id = window.location.hash.slice(1);
    var el = id && document.getElementById(id);
    if (el && el.tagName === 'DETAILS') { el.open = true; el.scrollIntoView(); }
  }
  window.addEventListener('hashchange', openTarget);
  openTarget();
})();
// Phones: the header's menu opens and closes with its button; tables read as cards (CSS), each cell under
// its column's heading, copied here from the table's own headings. Tables whose rows do not line up with
// one heading per cell (a calendar grid, a merged cell) stay tables.
(function () {
  document.documentElement.classList.add('js');
  var toggle = document.querySelector('.menu-toggle');
  if (toggle) {
    toggle.addEventListener('click', function () {
      var open = toggle.closest('header').classList.toggle('open');
      toggle.setAttribute('aria-expanded', open ? 'true' : 'false');
    });
  }
  document.querySelectorAll('table').forEach(function (table) {
    if (table.hasAttribute('data-grid')) return;
    var heads = table.querySelectorAll('thead th');
    if (!heads.length || table.querySelector('[colspan],[rowspan]')) return;
    var rows = table.querySelectorAll('tbody tr');
    for (var i = 0; i < rows.length; i++) if (rows[i].cells.length !== heads.length) return;
    rows.forEach(function (tr) {
      for (var k = 0; k < tr.cells.length; k++) tr.cells[k].setAttribute('data-label', heads[k].textContent.trim());
    });
    table.classList.add('cards');
  });
})();
// Print: a button with data-print prints the page; collapsed sections print open and close again after.
(function () {
  document.querySelectorAll('[data-print]').forEach(function (b) {
    b.hidden = false;
    b.addEventListener('click', function () { window.print(); });
  });
  var opened = [];
  window.addEventListener('beforeprint', function () {
    document.querySelectorAll('details:not([open])').forEach(function (d) {
      if (!d.querySelector('form')) { d.open = true; opened.push(d); }
    });
  });
  window.addEventListener('afterprint', function () {
    opened.forEach(function (d) { d.open = false; });
    opened = [];
  });
})();
// After an edit conflict: "改用我的" puts the user's own value back into the field.
(function () {
  document.querySelectorAll('button[data-fill]').forEach(function (b) {
    var input = document.getElementById(b.getAttribute('data-fill'));
    if (!input) return;
    b.hidden = false;
    b.addEventListener('click', function () { input.value = b.getAttribute('data-value'); input.focus(); });
  });
})();
// The pipeline's board: a card dragged onto the next column (`data-next` of its column) fills the hidden
// move form and sends it; the server applies the move's rules and answers with the board (or the refusal in
// words). Every 30 seconds (`data-refresh`), while nothing is being dragged and the page is in view, the
// board is read again and its columns replaced, so that moves by colleagues show. Without this file a card
// is a link to the lead's page, whose forms move it.
(function () {
  var board = document.getElementById('board');
  if (!board || !board.classList.contains('board')) return;
  var form = document.getElementById('board-move');
  var dragging = null;
  function bind() {
    if (!form) return;
    board.querySelectorAll('.board-card[draggable=true]').forEach(function (card) {
      card.addEventListener('dragstart', function (e) {
        var col = card.closest('.board-col');
        dragging = { lead: card.dataset.lead, from: col.dataset.stage, next: col.dataset.next };
        e.dataTransfer.effectAllowed = 'move';
        e.dataTransfer.setData('text/plain', card.dataset.lead);
        var target = document.getElementById('col-' + dragging.next);
        if (target) target.classList.add('drop-ok');
      });
      card.addEventListener('dragend', function () {
        dragging = null;
        board.querySelectorAll('.drop-ok').forEach(function (c) { c.classList.remove('drop-ok'); });
      });
    });
    board.querySelectorAll('.board-col').forEach(function (col) {
      col.addEventListener('dragover', function (e) {
        if (dragging && col.dataset.stage === dragging.next) e.preventDefault();
      });
      col.addEventListener('drop', function (e) {
        if (!dragging || col.dataset.stage !== dragging.next) return;
        e.preventDefault();
        form.elements.lead.value = dragging.lead;
        form.elements.from.value = dragging.from;
        form.elements.to.value = col.dataset.stage;
        form.submit();
      });
    });
  }
  bind();
  var every = parseInt(board.dataset.refresh || '0', 10);
  if (!every) return;
  var note = document.getElementById('board-updated');
  setInterval(function () {
    if (dragging || document.hidden) return;
    fetch(location.pathname + location.search, { credentials: 'same-origin' })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        if (!html || dragging) return;
        var fresh = new DOMParser().parseFromString(html, 'text/html');
        var b = fresh.getElementById('board'), closed = fresh.getElementById('board-closed');
        // Unchanged: nothing to replace or announce.
        if (!b || b.innerHTML === board.innerHTML) return;
        board.innerHTML = b.innerHTML;
        var was = document.getElementById('board-closed');
        if (closed && was) was.textContent = closed.textContent;
        if (note) note.textContent = note.dataset.text + ' ' + new Date().toLocaleTimeString();
        bind();
      })
      .catch(function () {});
  }, every * 1000);
})();
