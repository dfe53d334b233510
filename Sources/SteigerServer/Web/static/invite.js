// Reads a chosen list file into the text box, so the list is sent as the form's text and can be
// checked before it is.
document.querySelectorAll('input[type=file][data-fills]').forEach((input) => {
  input.addEventListener('change', () => {
    const target = document.getElementById(input.dataset.fills);
    const file = input.files && input.files[0];
    if (!target || !file) return;
    file.text().then((text) => { target.value = text; target.focus(); });
  });
});
