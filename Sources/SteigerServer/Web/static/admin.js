// Administration forms: each form names the API call it makes (data-api="METHOD /path/{field}");
// its fields become the JSON body (dotted names nest, data-type says number, json, bool or list),
// and problems come back next to the form, field by field.
(() => {
  'use strict';
  const root = document.getElementById('admin');
  if (!root) return;
  const csrf = root.dataset.csrf;
  const text = JSON.parse(root.dataset.text);
  // A page about one cohort names it once; its forms' path fields take it from there.
  for (const field of root.querySelectorAll('input[data-cohort]')) field.value = root.dataset.cohort;

  function put(target, name, value) {
    const parts = name.split('.');
    let node = target;
    for (const part of parts.slice(0, -1)) node = node[part] = node[part] || {};
    node[parts[parts.length - 1]] = value;
  }

  function body(form) {
    const json = {};
    const pathValues = {};
    for (const el of form.elements) {
      if (!el.name || el.type === 'submit') continue;
      const type = el.dataset.type;
      if ('path' in el.dataset) { pathValues[el.name] = el.value; continue; }
      if (el.type === 'radio') { if (el.checked) put(json, el.name, el.value); continue; }
      if (type === 'list') {
        const current = name => (json[name] = json[name] || []);
        if (el.tagName === 'SELECT') { put(json, el.name, [...el.selectedOptions].map((option) => option.value)); continue; }
        if (el.checked) current(el.name).push(el.value);
        else current(el.name);
        continue;
      }
      if (type === 'bool') { put(json, el.name, el.checked); continue; }
      if (el.value === '' && 'optional' in el.dataset) continue;
      if (type === 'number') { put(json, el.name, Number(el.value)); continue; }
      if (type === 'json') {
        try { put(json, el.name, JSON.parse(el.value)); } catch (err) { throw new Error(`${el.name}: ${text.notJSON}`); }
        continue;
      }
      put(json, el.name, el.value);
    }
    return { json, pathValues };
  }

  for (const form of document.querySelectorAll('form.api-form')) {
    const box = form.querySelector('.form-error');
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      box.hidden = true;
      if (form.dataset.confirm && !window.confirm(form.dataset.confirm)) return;
      let request;
      try { request = body(form); } catch (err) {
        box.textContent = err.message;
        box.hidden = false;
        return;
      }
      const [method, template] = form.dataset.api.split(' ');
      const path = template.replace(/\{(\w+)\}/g, (_, key) => encodeURIComponent(request.pathValues[key] || ''));
      const response = await fetch(path, {
        method, credentials: 'same-origin', body: JSON.stringify(request.json),
        headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf },
      });
      if (response.ok) {
        // data-after may name fields of the answer: "/admin/webhooks/{id}".
        let after = form.dataset.after || window.location.pathname;
        if (after.includes('{')) {
          const answer = await response.json().catch(() => ({}));
          after = after.replace(/\{(\w+)\}/g, (_, key) => encodeURIComponent(answer[key] || ''));
        }
        window.location.assign(after);
        return;
      }
      let message = text.failed;
      try {
        const problem = await response.json();
        const fields = (problem.errors || []).map((error) => `${error.field}: ${error.message}`);
        message = [problem.detail, ...fields].filter(Boolean).join(' — ');
      } catch (_) { /* keep the general message */ }
      box.textContent = message;
      box.hidden = false;
    });
  }
})();
