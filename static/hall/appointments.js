// The hall's appointment pages: a select marked data-autosubmit sends its (GET) form when changed, so the
// chosen item's materials show at once; without JavaScript its button does the same.
document.addEventListener("change", (event) => {
  const select = event.target.closest("select[data-autosubmit]");
  if (select && select.form) select.form.requestSubmit ? select.form.requestSubmit() : select.form.submit();
});
