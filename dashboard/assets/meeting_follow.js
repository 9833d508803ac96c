/* The secretary's window follows meeting mode (same browser, any window): meeting mode says which
   slide it shows on a BroadcastChannel; /meeting/record moves to the agenda item on that slide
   (the links inside data-follow="N"), unless "Follow" is off or something is being typed there.
   Ctrl+Enter in the record's text box records it; Alt+PageDown / Alt+PageUp go to the next /
   previous agenda item (from anywhere on the page, as the text box keeps PageUp/PageDown). */
(function () {
  if (!("BroadcastChannel" in window)) return;
  var channel = new BroadcastChannel("opsg-meeting");
  var lastSent = null;
  function announce() {
    var slide = document.querySelector("#meeting[data-slide]");
    if (!slide) return;
    var number = slide.getAttribute("data-slide");
    if (number !== lastSent) { lastSent = number; channel.postMessage({slide: number}); }
  }
  new MutationObserver(announce).observe(document.documentElement,
                                         {subtree: true, childList: true, attributes: true,
                                          attributeFilter: ["data-slide"]});
  channel.onmessage = function (event) {
    var follow = document.querySelector("#record-follow input");
    if (!follow || !follow.checked) return;
    var text = document.getElementById("record-text");
    if (text && text.value.trim()) return;  // never lose what the secretary is typing
    var number = event.data && event.data.slide;
    var current = document.querySelector("#record-agenda [data-follow] .record-item.active");
    if (current && current.parentNode.getAttribute("data-follow") === number) return;
    var link = document.querySelector('#record-agenda [data-follow="' + number + '"] a');
    if (link) link.click();
  };
  document.addEventListener("keydown", function (event) {
    if (event.altKey && (event.key === "PageDown" || event.key === "PageUp")) {
      var links = Array.prototype.slice.call(document.querySelectorAll("#record-agenda .record-item"));
      var at = links.findIndex(function (a) { return a.classList.contains("active"); });
      var next = links[at + (event.key === "PageDown" ? 1 : -1)];
      if (at >= 0 && next) { event.preventDefault(); next.click(); }
      return;
    }
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey) && event.target &&
        event.target.id === "record-text") {
      event.preventDefault();
      var button = document.getElementById("record-save");
      if (button) button.click();
    }
  });
})();
