// Drag-and-drop for the upload form: files dropped on the box go to the right input by
// name (loans*, counterpart*); the form still works without this script.
(function () {
  var drop = document.getElementById("drop");
  if (!drop) return;
  ["dragenter", "dragover"].forEach(function (e) {
    drop.addEventListener(e, function (ev) { ev.preventDefault(); drop.classList.add("over"); });
  });
  ["dragleave", "drop"].forEach(function (e) {
    drop.addEventListener(e, function (ev) { ev.preventDefault(); drop.classList.remove("over"); });
  });
  drop.addEventListener("drop", function (ev) {
    Array.prototype.forEach.call(ev.dataTransfer.files, function (f) {
      var name = f.name.toLowerCase();
      var input = document.getElementById(name.indexOf("counterpart") === 0 ? "counterparties" : "loans");
      var dt = new DataTransfer(); dt.items.add(f); input.files = dt.files;
    });
  });
})();
