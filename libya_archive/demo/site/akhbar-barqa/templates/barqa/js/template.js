/* أخبار برقة: يكبّر خط نص الخبر ويصغّره حسب رغبة القارئ. */
(function () {
  document.addEventListener("click", function (event) {
    var target = event.target;
    if (!target.classList || !target.classList.contains("font-size-control")) { return; }
    var text = document.querySelector(".itemFullText");
    if (!text) { return; }
    var size = parseFloat(window.getComputedStyle(text).fontSize);
    text.style.fontSize = (size + (target.dataset.step === "up" ? 2 : -2)) + "px";
  });
})();
