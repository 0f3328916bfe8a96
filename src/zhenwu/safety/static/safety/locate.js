/* "Use my location": fills the latitude and longitude fields of a hazard or incident form from the
   phone's position (navigator.geolocation). Loaded from a file because the CSP forbids inline script.

   <div data-locate data-lat="id_latitude" data-lng="id_longitude" hidden>
     <button type="button" data-locate-button>…</button> <span data-locate-status></span>
   </div>
   The block stays hidden where the browser has no geolocation (or script is off). Positions are
   only put in the two fields; nothing is sent until the user submits the form. */
(function () {
  "use strict";

  function init(block) {
    var button = block.querySelector("[data-locate-button]");
    var status = block.querySelector("[data-locate-status]");
    var lat = document.getElementById(block.getAttribute("data-lat"));
    var lng = document.getElementById(block.getAttribute("data-lng"));
    if (!button || !lat || !lng || !("geolocation" in navigator)) {
      return;
    }
    block.hidden = false;
    function say(text) {
      if (status) {
        status.textContent = text || "";
      }
    }
    button.addEventListener("click", function () {
      button.disabled = true;
      say(block.getAttribute("data-msg-wait"));
      navigator.geolocation.getCurrentPosition(
        function (position) {
          lat.value = position.coords.latitude.toFixed(6);
          lng.value = position.coords.longitude.toFixed(6);
          button.disabled = false;
          say(block.getAttribute("data-msg-done"));
        },
        function () {
          button.disabled = false;
          say(block.getAttribute("data-msg-failed"));
        },
        { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 }
      );
    });
  }

  function start() {
    var blocks = document.querySelectorAll("[data-locate]");
    for (var i = 0; i < blocks.length; i += 1) {
      init(blocks[i]);
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
