// boot.js - a classic script: if the workbench's modules have not started
// after a while (a module failed to load), say so. No inline handlers (CSP).
window.setTimeout(function () {
  if (document.body && document.body.dataset.ready !== '1') {
    var el = document.getElementById('boot-error');
    if (el && !window.__wb && !document.querySelector('.wb-fatal')) el.hidden = false;
  }
}, 15000);
