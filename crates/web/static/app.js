// Progressive enhancement only: every page works without this file.
// Risky actions ask first: a form with data-confirm submits only once the user agrees to its words.
document.addEventListener('submit', function (e) {
  var words = e.target.getAttribute && e.target.getAttribute('data-confirm');
  if (words && !window.confirm(words)) e.preventDefault();
});
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
// The header's customer search: matches while typing (the server's list, already masked and escaped),
// arrow keys move through them, Enter opens one, Escape closes the list. Without this file the box is a
// plain search form.
(function () {
  var box = document.getElementById('quick-q');
  var list = document.getElementById('quick-list');
  if (!box || !list) return;
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
    fetch('/customers/suggest?q=' + encodeURIComponent(q), { credentials: 'same-origin' })
      .then(function (r) { return r.ok ? r.text() : ''; })
      .then(function (html) {
        if (mine !== seq) return; // an older answer arriving late
        list.innerHTML = html; active = -1;
        list.hidden = !html; box.setAttribute('aria-expanded', html ? 'true' : 'false');
      })
      .catch(close);
  }
  box.addEventListener('input', function () { clearTimeout(timer); timer = setTimeout(fetchNow, 150); });
  box.addEventListener('keydown', function (e) {
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      if (list.hidden) return;
      e.preventDefault(); mark(active + (e.key === 'ArrowDown' ? 1 : -1));
    } else if (e.key === 'Enter' && active >= 0 && !list.hidden) {
      var a = options()[active].querySelector('a');
      if (a) { e.preventDefault(); window.location.href = a.href; }
    } else if (e.key === 'Escape') { close(); }
  });
  document.addEventListener('click', function (e) { if (!list.contains(e.target) && e.target !== box) close(); });
})();
