/* Newsline 2.3.1: sticky header and share-window helpers. */
(function () {
  var settings = window.newslineSettings || {};
  if (settings.stickyHeader === "1") {
    window.addEventListener("scroll", function () {
      document.body.classList.toggle("header-stuck", window.scrollY > 120);
    });
  }
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest(".sd-button");
    if (link) {
      event.preventDefault();
      window.open(link.href, "share", "width=600,height=480");
    }
  });
})();
