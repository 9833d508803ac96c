/* Meeting mode: the chair's keys and clicker step through the slides.
   ← / PageUp previous, → / PageDown next, Home first, End last, Esc leaves the meeting. Each key clicks the slide's own
   link (#meeting-prev …), so every slide is a URL the router renders and Back/Forward still work. */
(function () {
  if (/^\/meeting\/?$/.test(window.location.pathname)) document.documentElement.classList.add("opened-at-meeting");
  var KEYS = {
    ArrowRight: "meeting-next", PageDown: "meeting-next",
    ArrowLeft: "meeting-prev", PageUp: "meeting-prev",
    Home: "meeting-first", End: "meeting-last", Escape: "meeting-exit"
  };
  document.addEventListener("keydown", function (event) {
    if (!document.querySelector(".meeting-mode")) return;
    if (event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) return;
    var target = event.target;
    if (target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName))) return;
    var id = KEYS[event.key];
    if (!id) return;
    event.preventDefault();
    var link = document.getElementById(id);
    if (link && link.tagName === "A") link.click();
  });
})();
