// Charts are drawn as they come into view (dashboard/components/cards.py chart_slot):
// a click on the slot's hidden button runs the clientside callback that turns it into the chart.
(function () {
    "use strict";
    if (!("IntersectionObserver" in window)) {
        return;
    }
    var seen = new WeakSet();
    var observer = new IntersectionObserver(function (entries) {
        entries.forEach(function (entry) {
            if (!entry.isIntersecting) {
                return;
            }
            observer.unobserve(entry.target);
            var button = entry.target.querySelector(".chart-show");
            if (button) {
                button.click();
            }
        });
    }, {rootMargin: "0px 0px 10% 0px"});
    function watch() {
        document.querySelectorAll(".chart-slot").forEach(function (slot) {
            if (!seen.has(slot)) {
                seen.add(slot);
                observer.observe(slot);
            }
        });
    }
    new MutationObserver(watch).observe(document.documentElement, {childList: true, subtree: true});
    watch();
}());
