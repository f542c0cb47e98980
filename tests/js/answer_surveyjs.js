// Respondents answer our SurveyJS form in survey-core, as a browser user would: page by
// page, only questions that are visible, only options that are offered and enabled, each
// page validated by survey-core before the next; the last page completed with
// completeLastPage(). Prints one JSON object per respondent: survey.data and what they saw.
//
// usage: NODE_PATH=<node_modules> node answer_surveyjs.js FORM.json RESPONDENTS.json
"use strict";
const fs = require("fs");
const { Model } = require("survey-core");

const form = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
const people = JSON.parse(fs.readFileSync(process.argv[3], "utf8"));

function answer(q, value, refused) {
  const type = q.getType();
  if (type === "radiogroup") {
    if (!q.visibleChoices.some((c) => c.value === value)) return refused.push([q.name, value]);
    q.value = value;
  } else if (type === "checkbox") {
    for (const v of value) {
      const item = q.visibleChoices.find((c) => c.value === v);
      // a choice beyond maxSelectedChoices is disabled on screen
      if (!item || !item.isEnabled) refused.push([q.name, v]);
      else q.clickItemHandler(item, true);
    }
  } else if (type === "matrix") {
    const rows = new Set(q.visibleRows.map((r) => r.name));
    const cols = new Set(q.visibleColumns.map((c) => c.value));
    const out = {};
    for (const [row, v] of Object.entries(value)) {
      if (!rows.has(row) || !cols.has(v)) refused.push([q.name + "." + row, v]);
      else out[row] = v;
    }
    q.value = out;
  } else {
    q.value = value; // text, number, comment, multipletext: typed in
  }
}

const results = [];
for (const person of people) {
  const survey = new Model(form);
  survey.focusOnFirstError = false; // no DOM to scroll in Node
  survey.locale = person.lang;
  const seen = { titles: {}, pages: [], errors: [], refused: [] };
  for (let guard = 0; guard < 200; guard++) {
    const page = survey.currentPage;
    seen.pages.push(page.name);
    for (const q of page.questions) {
      if (!q.isVisible) continue; // re-checked for each question: answers change visibility
      seen.titles[q.name] = q.processedTitle;
      if (q.getType() === "matrix") {
        for (const r of q.visibleRows) seen.titles[r.name] = r.locText.renderedHtml;
      }
      if (q.name in person.answers) answer(q, person.answers[q.name], seen.refused);
    }
    // validate(fireCallback, focusOnFirstError): no focusing, there is no DOM in Node
    if (!page.validate(true, false)) {
      for (const q of page.questions) {
        if (q.errors.length) seen.errors.push([q.name, q.errors.map((e) => e.getText())]);
      }
      break;
    }
    if (survey.isLastPage) {
      if (person.complete) survey.completeLastPage();
      break;
    }
    survey.nextPage();
  }
  results.push({ id: person.id, state: survey.state, data: survey.data, ...seen });
}
process.stdout.write(JSON.stringify(results));
