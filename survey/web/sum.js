// Running total of the constant-sum questions. Progressive enhancement only: without this
// script the total shows the points as last sent, and the server checks the sum either way.
"use strict";
document.querySelectorAll("output[data-total]").forEach((out) => {
  const boxes = Array.from(out.htmlFor, (id) => document.getElementById(id));
  const total = Number(out.dataset.total);
  const update = () => {
    const sum = boxes.reduce((acc, box) => acc + (parseInt(box.value, 10) || 0), 0);
    out.textContent = out.dataset.text.replace("{sum}", sum).replace("{total}", total);
    out.classList.toggle("off", sum !== total);
  };
  boxes.forEach((box) => box.addEventListener("input", update));
  update();
});
