// Risky actions ask first: a form with data-confirm submits only once the user agrees to its words.
// The button pressed may ask instead of the form (a form whose buttons do different things).
// This file is loaded in the head without `defer`, so the question is in place before any button is drawn:
// a button pressed while a long page is still loading cannot send without asking (app.js runs only after
// the whole page has been read).
document.addEventListener('submit', function (e) {
  var words = (e.submitter && e.submitter.getAttribute('data-confirm')) ||
    (e.target.getAttribute && e.target.getAttribute('data-confirm'));
  if (words && !window.confirm(words)) e.preventDefault();
});
