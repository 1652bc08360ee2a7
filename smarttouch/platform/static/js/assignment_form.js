/* Assignment editor: offer only the movements the chosen activity trains (progressive
   enhancement; the server checks the pair anyway). */
(function () {
  "use strict";
  function setup() {
    var data = document.getElementById("activity-movements");
    var activity = document.getElementById("activity_id");
    var movement = document.getElementById("movement");
    if (!data || !activity || !movement || activity.tagName !== "SELECT") { return; }
    var map = JSON.parse(data.textContent);
    function update() {
      var allowed = map[activity.value] || [];
      var firstAllowed = null;
      for (var i = 0; i < movement.options.length; i++) {
        var opt = movement.options[i];
        var ok = allowed.length === 0 || allowed.indexOf(opt.value) !== -1;
        opt.hidden = !ok;
        opt.disabled = !ok;
        if (ok && firstAllowed === null) { firstAllowed = opt; }
      }
      if (movement.selectedOptions.length && movement.selectedOptions[0].disabled && firstAllowed) {
        movement.value = firstAllowed.value;
      }
    }
    activity.addEventListener("change", update);
    update();
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", setup); }
  else { setup(); }
})();
