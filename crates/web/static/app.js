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
