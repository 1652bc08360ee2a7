/* Assignment editor: offer only the movements the chosen activity trains, and only the sensor
   sites and sides the chosen movement allows (progressive enhancement; the server checks
   every pair anyway). */
(function () {
  "use strict";
  function readJson(id) {
    var el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }
  /* Show the options whose value is in `allowed` (all when it is empty); a selected option
     that is no longer allowed gives way to the first allowed one. */
  function restrict(select, allowed) {
    var firstAllowed = null;
    for (var i = 0; i < select.options.length; i++) {
      var opt = select.options[i];
      var ok = allowed.length === 0 || allowed.indexOf(opt.value) !== -1;
      opt.hidden = !ok;
      opt.disabled = !ok;
      if (ok && firstAllowed === null) { firstAllowed = opt; }
    }
    if (select.selectedOptions.length && select.selectedOptions[0].disabled && firstAllowed) {
      select.value = firstAllowed.value;
    }
  }
  function setup() {
    var activity = document.getElementById("activity_id");
    var movement = document.getElementById("movement");
    var site = document.getElementById("placement");
    var side = document.getElementById("side");
    var movements = readJson("activity-movements");
    var placements = readJson("movement-placements") || {};
    if (!movement) { return; }
    function updatePlacement() {
      var rule = placements[movement.value];
      if (site) { restrict(site, rule ? rule.sites : []); }
      if (side) { restrict(side, rule ? rule.sides : []); }
    }
    function updateMovement() {
      if (movements && activity && activity.tagName === "SELECT") {
        restrict(movement, movements[activity.value] || []);
      }
      updatePlacement();
    }
    if (activity) { activity.addEventListener("change", updateMovement); }
    movement.addEventListener("change", updatePlacement);
    updateMovement();
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", setup); }
  else { setup(); }
})();
