// Shelfmark's web pages work without this script; it only adds "select all"
// to item listings.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  const all = document.getElementById("select-all");
  if (!all) return;
  all.addEventListener("change", () => {
    for (const box of document.querySelectorAll("#selection input[name=key]")) {
      box.checked = all.checked;
    }
  });
});
