// AG Grid's 1.3 MB bundle is fetched the first time a page shows a grid, not on every page
// (dashboard/web/transfer.py marks it dynamic). Until then window.dash_ag_grid.AgGrid is this
// stand-in, which loads the bundle and then draws the real grid with the same props; the bundle
// replaces window.dash_ag_grid, so later grids are the real component from the start.
(function () {
    "use strict";
    if (window.dash_ag_grid) {
        return;
    }
    var SRC = "/_dash-component-suites/dash_ag_grid/dash_ag_grid.min.js";
    var loading = null;
    function load() {
        if (!loading) {
            loading = new Promise(function (resolve, reject) {
                var script = document.createElement("script");
                script.src = SRC;
                script.onload = resolve;
                script.onerror = function () { loading = null; reject(new Error("could not load " + SRC)); };
                document.head.appendChild(script);
            });
        }
        return loading;
    }
    function LazyAgGrid(props) {
        var React = window.React;
        var state = React.useState(null);
        var real = state[0], setReal = state[1];
        React.useEffect(function () {
            load().then(function () { setReal(function () { return window.dash_ag_grid.AgGrid; }); });
        }, []);
        if (real) {  // the grid's own code loads a moment later: its room is kept meanwhile
            var height = props.style && props.style.height;
            return React.createElement("div", {className: "grid-frame", style: height ? {minHeight: height} : null},
                                       React.createElement(real, props));
        }
        return React.createElement("div", {id: props.id, className: (props.className || "") + " grid-loading",
                                           style: props.style});
    }
    window.dash_ag_grid = {AgGrid: LazyAgGrid};
}());
