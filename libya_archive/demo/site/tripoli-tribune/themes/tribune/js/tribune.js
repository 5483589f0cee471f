/* The Tripoli Tribune: marks external links and loads the consent banner late. */
document.addEventListener("DOMContentLoaded", function () {
  var links = document.querySelectorAll("a[href^='http']");
  for (var i = 0; i < links.length; i++) {
    if (links[i].hostname !== window.location.hostname) {
      links[i].setAttribute("rel", "noopener");
    }
  }
});
