// The exercise builder: criteria, scale steps and ladder levels as rows, the fading policy as
// sentences with number fields (percentages on screen, fractions in the API). Saving sends the
// exercises API the same JSON a client would; its problems come back next to the field they name.
(() => {
  'use strict';
  const root = document.getElementById('builder');
  if (!root) return;
  const text = JSON.parse(root.dataset.text);
  const t = (key, values = {}) => (text[key] || key).replace(/\{(\w+)\}/g, (_, name) => (name in values ? values[name] : `{${name}}`));
  const form = document.getElementById('exercise-form');
  const criteriaBox = document.getElementById('criteria');
  const levelsBox = document.getElementById('levels');
  const summary = form.querySelector('.error-summary');
  const saveError = form.querySelector('.form-error');
  const templates = JSON.parse(root.dataset.templates);
  const skills = JSON.parse(root.dataset.skills);
  const library = JSON.parse(root.dataset.library || '[]');
  const percentFormat = new Intl.NumberFormat(document.documentElement.lang, { maximumFractionDigits: 0 });
  let uid = 0;
  let dirty = false;

  const clone = (id) => document.getElementById(id).content.firstElementChild.cloneNode(true);
  const value = (row, name) => row.querySelector(`[data-name="${name}"]`).value;
  const set = (row, name, v) => { row.querySelector(`[data-name="${name}"]`).value = v ?? ''; };
  const lines = (textValue) => textValue.split('\n').map((line) => line.trim()).filter(Boolean);

  // Ties each cloned label and hint to its control.
  function labelRow(row) {
    for (const field of row.querySelectorAll('.field')) {
      const control = field.querySelector(':scope > input, :scope > textarea, :scope > select');
      const label = field.querySelector(':scope > label');
      if (!control) continue;
      if (!control.id) control.id = `b${++uid}`;
      if (label) label.htmlFor = control.id;
      const hint = field.querySelector(':scope > .hint');
      if (hint) {
        hint.id = `b${++uid}`;
        control.setAttribute('aria-describedby', hint.id);
        control.dataset.hint = hint.id;
      }
    }
  }

  // MARK: Criteria

  function defaultScale() {
    return [
      { value: 1, label: t('builderStepNotYet') }, { value: 2, label: t('builderStepPartly') }, { value: 3, label: t('builderStepFully') },
    ];
  }

  function stepRow(step) {
    const row = clone('step-row');
    set(row, 'value', step.value);
    set(row, 'label', step.label);
    set(row, 'description', step.description);
    labelRow(row);
    return row;
  }

  function criterionRow(criterion) {
    const row = clone('criterion-row');
    row.dataset.key = criterion.key || '';
    set(row, 'title', criterion.title);
    set(row, 'description', criterion.description);
    set(row, 'weight', criterion.weight ?? 1);
    const scale = row.querySelector('.scale');
    for (const step of criterion.scale || defaultScale()) scale.append(stepRow(step));
    labelRow(row);
    return row;
  }

  function criteria() { return [...criteriaBox.querySelectorAll(':scope > .criterion')]; }
  function levels() { return [...levelsBox.querySelectorAll(':scope > .level')]; }

  // Legends, shares of the total weight, and which buttons make sense where.
  function renumber() {
    const rows = criteria();
    const weights = rows.map((row) => Number(value(row, 'weight')));
    const total = weights.reduce((sum, w) => sum + (w > 0 ? w : 0), 0);
    rows.forEach((row, i) => {
      row.querySelector('legend').textContent = t('builderCriterionN', { n: i + 1 });
      const w = weights[i];
      row.querySelector('[data-name="share"]').textContent =
        total > 0 && w > 0 ? t('builderShare', { share: percentFormat.format((w / total) * 100) }) : '';
      row.querySelector('[data-action="up"]').disabled = i === 0;
      row.querySelector('[data-action="down"]').disabled = i === rows.length - 1;
      row.querySelector('[data-action="remove"]').disabled = rows.length === 1;
      const steps = row.querySelectorAll('.step');
      for (const button of row.querySelectorAll('[data-action="remove-step"]')) button.disabled = steps.length <= 2;
    });
    const rungs = levels();
    rungs.forEach((row, i) => {
      const number = rungs.length - 1 - i;
      row.dataset.number = number;
      row.querySelector('legend').textContent =
        number === rungs.length - 1 && number > 0 ? t('builderLevelTop', { n: number }) : number === 0 ? t('builderLevelZero') : t('builderLevelN', { n: number });
      row.querySelector('[data-action="copy-above"]').hidden = i === 0;
      row.querySelector('[data-action="remove"]').disabled = rungs.length === 1;
    });
    previewButtons();
  }

  // MARK: The ladder

  function levelRow(level) {
    const row = clone('level-row');
    const of = (kind) => (level.supports || []).filter((support) => support.kind === kind);
    set(row, 'name', level.name);
    set(row, 'modelVideo', of('modelVideo').map((s) => s.reference)[0]);
    libraryChoice(row, row.querySelector('[data-name="modelVideo"]'), 'model', () => row.querySelector('legend').textContent);
    set(row, 'script', of('script').map((s) => s.text).join('\n\n'));
    set(row, 'text', of('text').map((s) => s.text).join('\n\n'));
    set(row, 'prompts', of('prompts').flatMap((s) => s.items).join('\n'));
    set(row, 'checklist', of('checklist').flatMap((s) => s.items).join('\n'));
    // Each text box is tall enough for what it holds.
    for (const box of row.querySelectorAll('textarea')) box.rows = Math.max(box.rows, Math.min(12, box.value.split('\n').length + 1));
    labelRow(row);
    return row;
  }

  // A video from the library (its reference, media:<id>) or an address typed in, the two fields
  // following each other, or a new video uploaded in place. The address field is for addresses
  // only: while a library video is chosen it is out of sight, the list naming the video. Returns
  // what brings the list in line with the address.
  function libraryChoice(box, input, kind, name) {
    const select = box.querySelector('select[data-library]');
    for (const item of library) select.append(new Option(item.title, item.reference));
    const sync = () => {
      select.value = library.some((item) => item.reference === input.value.trim()) ? input.value.trim() : '';
      input.hidden = select.value !== '';
    };
    sync();
    select.addEventListener('change', () => { input.value = select.value; sync(); });
    input.addEventListener('input', sync);
    uploadHere(box, kind, name, (item) => {
      library.push(item);
      for (const other of form.querySelectorAll('select[data-library]')) other.append(new Option(item.title, item.reference));
      input.value = item.reference;
      sync();
      dirty = true;
    });
    return sync;
  }

  // A new video sent from the builder straight into the library (resumable, like an attempt),
  // named after the exercise and where it is used; once it is in, that place uses it.
  function uploadHere(box, kind, name, use) {
    const file = box.querySelector('input[data-upload]');
    const progress = box.querySelector('.upload-here progress');
    const state = box.querySelector('[data-upload-state]');
    file.addEventListener('change', async () => {
      const chosen = file.files[0];
      if (!chosen) return;
      const title = [form.elements.title.value.trim(), name()].filter(Boolean).join(' — ');
      state.classList.remove('error');
      progress.hidden = false;
      progress.value = 0;
      state.textContent = t('uploadSending', { percent: 0 });
      try {
        const id = await window.steigerTus.send(chosen, {
          key: `steiger-library:${chosen.name}:${chosen.size}:${chosen.lastModified}`,
          metadata: { library: kind, title }, csrf: root.dataset.csrf, done: 'Steiger-Media-Item', text,
          say: (message) => { state.textContent = message; },
          show: (offset, size) => { progress.value = size ? Math.floor((offset / size) * 100) : 100; },
        });
        use({ reference: `media:${id}`, title });
        state.textContent = t('builderVideoUploaded', { title });
      } catch (err) {
        state.textContent = err.message || t('uploadFailed');
        state.classList.add('error');
      }
      progress.hidden = true;
      file.value = '';
    });
  }

  const supportFields = ['modelVideo', 'script', 'prompts', 'checklist', 'text'];

  // A level's supports in the API's form, each remembering the field it came from.
  function supportsOf(row) {
    const supports = [];
    for (const kind of supportFields) {
      const raw = value(row, kind);
      if (!raw.trim()) continue;
      if (kind === 'modelVideo') supports.push([kind, { kind, reference: raw.trim() }]);
      else if (kind === 'prompts' || kind === 'checklist') supports.push([kind, { kind, items: lines(raw) }]);
      else supports.push([kind, { kind, text: raw.trim() }]);
    }
    return supports;
  }

  function blankLadder() {
    return {
      levels: [t('builderLevelName0'), t('builderLevelName1'), t('builderLevelName2'), t('builderLevelName3')]
        .map((name, number) => ({ number, name, supports: [] })),
    };
  }

  // MARK: Loading a draft

  function load(draft) {
    form.querySelector('#ex-title').value = draft.title || '';
    form.querySelector('#ex-instructions').value = draft.instructions || '';
    form.querySelector('#ex-stimulus').value = draft.stimulus || '';
    syncStimulus();
    form.querySelector('#ex-skill').value = draft.skillName || '';
    criteriaBox.replaceChildren(...((draft.rubric && draft.rubric.criteria) || [{}]).map(criterionRow));
    const ladder = draft.ladder || blankLadder();
    levelsBox.replaceChildren(...[...ladder.levels].sort((a, b) => b.number - a.number).map(levelRow));
    renumber();
    clearProblems();
    document.getElementById('preview').replaceChildren();
  }

  // MARK: The request

  function number(input) {
    if (input.value.trim() === '') return null;
    const n = Number(input.value);
    return 'percent' in input.dataset ? n / 100 : n;
  }

  // The API body; each control gets the API field it fills, for its problems to come back to.
  function collect() {
    const fieldOf = (control, name) => { control.closest('.field').dataset.field = name; };
    const body = {
      title: form.querySelector('#ex-title').value,
      instructions: form.querySelector('#ex-instructions').value,
      stimulus: form.querySelector('#ex-stimulus').value.trim() || null,
      cohorts: [...form.querySelectorAll('input[name="cohorts"]:checked')].map((box) => box.value),
    };
    const skill = form.querySelector('#ex-skill').value.trim();
    body.skillName = skill;
    if (skills[skill]) body.skillKey = skills[skill];
    body.rubric = {
      criteria: criteria().map((row, i) => {
        const path = `rubric.criteria[${i}]`;
        for (const part of ['title', 'description', 'weight']) fieldOf(row.querySelector(`[data-name="${part}"]`), `${path}.${part}`);
        fieldOf(row.querySelector('.scale'), `${path}.scale`);
        const criterion = {
          title: value(row, 'title'), description: value(row, 'description'), weight: number(row.querySelector('[data-name="weight"]')),
          scale: [...row.querySelectorAll('.step')].map((step, j) => {
            for (const part of ['value', 'label', 'description']) {
              fieldOf(step.querySelector(`[data-name="${part}"]`), `${path}.scale[${j}].${part}`);
            }
            return { value: number(step.querySelector('[data-name="value"]')), label: value(step, 'label'), description: value(step, 'description') };
          }),
        };
        if (row.dataset.key) criterion.key = row.dataset.key;
        return criterion;
      }),
    };
    const rungs = levels().reverse();
    body.ladder = {
      levels: rungs.map((row, i) => {
        const path = `ladder.levels[${i}]`;
        fieldOf(row.querySelector('[data-name="name"]'), `${path}.name`);
        row.querySelector('[data-part="supports"]').dataset.field = `${path}.supports`;
        const supports = supportsOf(row);
        for (const kind of supportFields) row.querySelector(`[data-part="${kind}"]`).dataset.field = '';
        supports.forEach(([kind], j) => { row.querySelector(`[data-part="${kind}"]`).dataset.field = `${path}.supports[${j}]`; });
        return { number: i, name: value(row, 'name'), supports: supports.map(([, support]) => support) };
      }),
    };
    body.policy = {
      peerReviewsMoveLevels: form.querySelector('[name="policy.peerReviewsMoveLevels"]').checked,
      guestReviewsMoveLevels: form.querySelector('[name="policy.guestReviewsMoveLevels"]').checked,
    };
    for (const input of form.querySelectorAll('input[name^="policy."][type="number"]')) body.policy[input.name.slice(7)] = number(input);
    // "7, 30, 90": the days of the rechecks; anything not a number is sent as 0, which the server names.
    const rechecks = form.querySelector('[name="policy.rechecks"]').value.split(/[\s,;]+/).filter((part) => part !== '');
    body.policy.rechecks = rechecks.map((part) => (/^\d+$/.test(part) ? Number(part) : 0));
    body.review = {
      peerReviewers: number(form.querySelector('#r-peers')),
      anonymousPeers: form.querySelector('[name="review.anonymousPeers"]').checked,
      selfReviewRequired: form.querySelector('[name="review.selfReviewRequired"]').checked,
      showCommentsBeforeSubmit: form.querySelector('[name="review.showCommentsBeforeSubmit"]').checked,
      dueHours: number(form.querySelector('#r-due')),
      timeLimitSeconds: number(form.querySelector('#r-limit')),
      retakes: number(form.querySelector('#r-retakes')),
      privatePractice: form.querySelector('[name="review.privatePractice"]').checked,
      cohortLibrary: form.querySelector('[name="review.cohortLibrary"]').checked,
      libraryApproval: form.querySelector('[name="review.libraryApproval"]').checked,
      kickOff: form.querySelector('[name="review.kickOff"]').checked,
      closingTest: form.querySelector('[name="review.closingTest"]').checked,
      transferAfterWithdrawal: form.querySelector('[name="review.transferAfterWithdrawal"]').checked,
      transferEveryDays: number(form.querySelector('#r-transfer-days')),
      transferPrompt: form.querySelector('#r-transfer-prompt').value,
    };
    return body;
  }

  // MARK: Problems next to their fields

  // A control without its problem: described by its hint alone again.
  function unmark(control) {
    control.removeAttribute('aria-invalid');
    if (control.dataset.hint) control.setAttribute('aria-describedby', control.dataset.hint);
    else control.removeAttribute('aria-describedby');
  }

  function clearProblems() {
    for (const old of form.querySelectorAll('.field-error')) old.remove();
    for (const control of form.querySelectorAll('[aria-invalid]')) unmark(control);
    summary.hidden = true;
    summary.querySelector('ul').replaceChildren();
    saveError.hidden = true;
  }

  // The field a problem names, or failing that the nearest field holding it.
  function fieldFor(path) {
    const fields = [...form.querySelectorAll('[data-field]')];
    let p = path;
    while (p) {
      const found = fields.find((field) => field.dataset.field.split(' ').includes(p));
      if (found) return found;
      const shorter = p.replace(/(\.[^.[\]]+|\[\d+\])$/, '');
      if (shorter === p) break;
      p = shorter;
    }
    return null;
  }

  function showProblems(problems) {
    const list = summary.querySelector('ul');
    // In the order the fields stand on the page; problems without a field last.
    const placed = problems.map((problem) => ({ problem, field: fieldFor(problem.field) }));
    placed.sort((a, b) => {
      if (!a.field || !b.field) return (a.field ? 0 : 1) - (b.field ? 0 : 1);
      if (a.field === b.field) return 0;
      return a.field.compareDocumentPosition(b.field) & Node.DOCUMENT_POSITION_FOLLOWING ? -1 : 1;
    });
    for (const { problem, field } of placed) {
      // A field is a control's box, or a control standing in a sentence.
      const control = field && (field.matches('input, textarea, select') ? field : field.querySelector('input, textarea, select'));
      const box = field && (field === control ? field.closest('.sentence') || field.parentElement : field);
      let message = problem.message;
      if (control && 'percent' in control.dataset) message = t('builderPercentRange');
      const item = document.createElement('li');
      if (field) {
        const note = document.createElement('p');
        note.className = 'field-error error';
        note.id = `e${++uid}`;
        note.textContent = message;
        box.append(note);
        if (control) {
          control.setAttribute('aria-invalid', 'true');
          control.setAttribute('aria-describedby', [control.getAttribute('aria-describedby'), note.id].filter(Boolean).join(' '));
        }
        const where = [box.closest('fieldset.criterion, fieldset.level')?.querySelector('legend').textContent, nameOf(box, control)]
          .filter(Boolean).join(' · ');
        const link = document.createElement('a');
        if (control && control.id) item.dataset.control = control.id;
        link.href = `#${control ? control.id : ''}`;
        link.textContent = `${where}: ${message}`;
        link.addEventListener('click', (event) => { event.preventDefault(); (control || box).focus(); });
        item.append(link);
      } else {
        item.textContent = message;
      }
      list.append(item);
    }
    summary.hidden = false;
    summary.focus();
  }

  // A field's problem goes as soon as the field is changed; the next save checks it again.
  form.addEventListener('input', (event) => {
    const control = event.target;
    if (control.getAttribute('aria-invalid') !== 'true') return;
    for (const id of (control.getAttribute('aria-describedby') || '').split(' ')) {
      const note = id && document.getElementById(id);
      if (note && note.classList.contains('field-error')) note.remove();
    }
    unmark(control);
  });

  // The list at the top keeps only what still needs mending: a field changed or a row removed
  // takes its line away, and with the last line the list and the note beside the button go.
  new MutationObserver(() => {
    if (summary.hidden) return;
    for (const item of summary.querySelectorAll('li[data-control]')) {
      const control = document.getElementById(item.dataset.control);
      if (!control || control.getAttribute('aria-invalid') !== 'true') item.remove();
    }
    if (!summary.querySelector('li')) {
      summary.hidden = true;
      saveError.hidden = true;
    }
  }).observe(form, { subtree: true, childList: true, attributes: true, attributeFilter: ['aria-invalid'] });

  function nameOf(box, control) {
    if (control && control.getAttribute('aria-label')) return control.getAttribute('aria-label');
    const label = box.querySelector(':scope > label, :scope > legend, :scope > .scale-title');
    return label ? label.textContent.trim() : '';
  }

  // MARK: Saving

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearProblems();
    const body = collect();
    const [method, path] = root.dataset.api.split(' ');
    let response;
    try {
      response = await fetch(path, {
        method, credentials: 'same-origin', body: JSON.stringify(body),
        headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': root.dataset.csrf },
      });
    } catch (_) {
      saveError.textContent = t('builderOffline');
      saveError.hidden = false;
      return;
    }
    if (response.ok) {
      dirty = false;
      window.location.assign(root.dataset.after);
      return;
    }
    const problem = await response.json().catch(() => ({}));
    const named = problem.errors && problem.errors.length;
    const problems = named ? problem.errors : [{ field: '', message: problem.detail || t('builderFailed') }];
    // Beside the button, what happened in words; what to mend stands at the top and at each field.
    saveError.textContent = named ? t('builderNotSaved') : problem.detail || t('builderFailed');
    saveError.hidden = false;
    showProblems(problems);
  });

  // MARK: Preview

  function previewButtons() {
    const box = document.getElementById('preview-levels');
    box.replaceChildren(...levels().map((row) => {
      const button = document.createElement('button');
      button.type = 'button';
      button.dataset.level = row.dataset.number;
      button.setAttribute('aria-pressed', 'false');
      button.textContent = t('builderPreviewLevel', { n: row.dataset.number, name: value(row, 'name') });
      return button;
    }));
  }

  let previewAsked = 0;
  document.getElementById('preview-levels').addEventListener('click', async (event) => {
    const button = event.target.closest('button[data-level]');
    if (!button) return;
    const asked = ++previewAsked;
    const body = collect();
    const draft = JSON.stringify({ title: body.title, instructions: body.instructions, stimulus: body.stimulus, ladder: body.ladder });
    const box = document.getElementById('preview');
    const response = await fetch('/admin/exercises/preview', {
      method: 'POST', credentials: 'same-origin',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: root.dataset.csrf, draft, level: button.dataset.level }),
    }).catch(() => null);
    const html = response ? await response.text().catch(() => null) : null;
    // Only the level asked for last is shown, whichever answer arrives first.
    if (asked !== previewAsked) return;
    for (const other of button.parentElement.children) other.setAttribute('aria-pressed', String(other === button));
    box.dataset.level = button.dataset.level;
    if (html === null) { box.textContent = t('builderOffline'); return; }
    box.innerHTML = new DOMParser().parseFromString(html, 'text/html').body.innerHTML;
  });

  // MARK: Editing rows

  criteriaBox.addEventListener('click', (event) => {
    const button = event.target.closest('button[data-action]');
    if (!button) return;
    const row = button.closest('.criterion');
    const action = button.dataset.action;
    if (action === 'up' && row.previousElementSibling) row.previousElementSibling.before(row);
    if (action === 'down' && row.nextElementSibling) row.nextElementSibling.after(row);
    if (action === 'remove' && criteria().length > 1) {
      row.remove();
      document.getElementById('add-criterion').focus();
    }
    if (action === 'add-step') {
      const steps = [...row.querySelectorAll('.step')];
      const last = steps.length ? Number(value(steps[steps.length - 1], 'value')) : 0;
      const step = stepRow({ value: Number.isFinite(last) ? last + 1 : steps.length + 1, label: '' });
      row.querySelector('.scale').append(step);
      step.querySelector('[data-name="label"]').focus();
    }
    if (action === 'remove-step' && row.querySelectorAll('.step').length > 2) {
      button.closest('.step').remove();
      row.querySelector('[data-action="add-step"]').focus();
    }
    if (action === 'up' || action === 'down') button.focus();
    dirty = true;
    renumber();
  });

  levelsBox.addEventListener('click', (event) => {
    const button = event.target.closest('button[data-action]');
    if (!button) return;
    const row = button.closest('.level');
    if (button.dataset.action === 'remove' && levels().length > 1) {
      row.remove();
      document.getElementById('add-level').focus();
    }
    if (button.dataset.action === 'copy-above' && row.previousElementSibling) {
      for (const kind of supportFields) set(row, kind, value(row.previousElementSibling, kind));
    }
    dirty = true;
    renumber();
  });

  document.getElementById('add-criterion').addEventListener('click', () => {
    const row = criterionRow({});
    criteriaBox.append(row);
    renumber();
    row.querySelector('[data-name="title"]').focus();
    dirty = true;
  });

  document.getElementById('add-level').addEventListener('click', () => {
    const row = levelRow({ name: '', supports: [] });
    levelsBox.prepend(row);
    renumber();
    row.querySelector('[data-name="name"]').focus();
    dirty = true;
  });

  form.addEventListener('input', (event) => {
    dirty = true;
    if (event.target.matches('[data-name="weight"], .level [data-name="name"]')) renumber();
  });

  // MARK: Starting points

  for (const choice of document.querySelectorAll('.template-choice')) {
    choice.addEventListener('click', () => {
      if (dirty && !window.confirm(t('builderReplace'))) return;
      const template = templates[choice.dataset.template];
      load(template || {});
      dirty = false;
      form.querySelector('#ex-title').focus();
    });
  }

  window.addEventListener('beforeunload', (event) => {
    if (dirty) event.preventDefault();
  });

  const syncStimulus = libraryChoice(
    document.getElementById('stimulus-field'), form.querySelector('#ex-stimulus'), 'stimulus', () => t('builderStimulusName'));
  load(JSON.parse(root.dataset.draft));
})();
