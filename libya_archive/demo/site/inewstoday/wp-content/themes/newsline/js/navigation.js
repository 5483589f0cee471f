/* Newsline 2.3.1: opens and closes the primary menu on small screens. */
(function () {
  document.addEventListener("DOMContentLoaded", function () {
    var nav = document.getElementById("site-navigation");
    if (!nav) { return; }
    var button = nav.querySelector(".menu-toggle");
    button.addEventListener("click", function () {
      var open = nav.classList.toggle("toggled");
      button.setAttribute("aria-expanded", open ? "true" : "false");
    });
  });
})();
