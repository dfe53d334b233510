// Sends a recording with the shared tus client (tus.js), keyed by the learner, exercise and the
// file's name, size and date, so choosing the same file again after a reload continues it.
(() => {
  'use strict';
  const form = document.getElementById('upload');
  if (!form) return;
  const exercise = form.dataset.exercise;
  const csrf = form.dataset.csrf;
  const input = document.getElementById('file');
  const bar = document.getElementById('upload-progress');
  const status = document.getElementById('upload-status');
  const error = document.getElementById('upload-error');
  const retry = document.getElementById('upload-retry');
  const text = JSON.parse(form.dataset.text);
  const prefix = `steiger-upload:${form.dataset.user}:${exercise}:`;
  // Who may watch the take, as chosen above the recorder (the exercise's default when it offers no choice).
  const audience = () => document.querySelector('input[name="audience"]:checked')?.value || '';
  const keyFor = (file) => `${prefix}${audience()}:${file.name}:${file.size}:${file.lastModified}`;
  let busy = false;

  function say(message) { status.textContent = message; }
  function fail(message) {
    error.textContent = message;
    error.hidden = false;
    retry.hidden = false;
    busy = false;
  }
  function show(offset, size) {
    bar.hidden = false;
    bar.value = size ? Math.floor((offset / size) * 100) : 100;
  }

  const send = (file) => window.steigerTus.send(file, {
    key: keyFor(file), metadata: audience() ? { exercise, audience: audience() } : { exercise }, csrf, done: 'Steiger-Submission', text, say, show,
  });

  async function run(chosen) {
    const file = chosen instanceof File ? chosen : input.files[0];
    if (!file || busy) return;
    busy = true;
    error.hidden = true;
    retry.hidden = true;
    show(0, file.size);
    say(text.uploadSending.replace('{percent}', '0'));
    try {
      const submission = await send(file);
      window.dispatchEvent(new Event('steiger:sent'));
      say(text.uploadDone);
      window.location.assign(`/learn/submissions/${submission}`);
    } catch (err) {
      fail(err.message || text.uploadFailed);
    }
  }

  let lastRecording = null;
  form.addEventListener('submit', (event) => { event.preventDefault(); lastRecording = null; run(); });
  input.addEventListener('change', () => { lastRecording = null; });
  retry.addEventListener('click', () => run(lastRecording || undefined));

  // Recording in the browser: camera and microphone through MediaRecorder. Each take is shown
  // back before it goes: send it, or record again while the exercise allows; a time limit stops
  // the recording by itself.
  const start = document.getElementById('record-start');
  const stop = document.getElementById('record-stop');
  const preview = document.getElementById('record-preview');
  const elapsed = document.getElementById('record-time');
  const recorderBox = document.getElementById('recorder');
  const take = document.getElementById('take');
  const takePreview = document.getElementById('take-preview');
  const takeState = document.getElementById('take-state');
  const takeSend = document.getElementById('take-send');
  const takeAgain = document.getElementById('take-again');
  const limit = Number(recorderBox.dataset.limit) || 0;
  const allowed = recorderBox.dataset.retakes === '' ? Infinity : Number(recorderBox.dataset.retakes);
  let retakesUsed = 0;
  const clockText = (seconds) => `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`;
  function showTake(file, timedOut) {
    if (takePreview.src) URL.revokeObjectURL(takePreview.src);
    takePreview.src = URL.createObjectURL(file);
    const left = allowed - retakesUsed;
    takeAgain.hidden = left <= 0;
    const lines = [];
    if (timedOut) lines.push(text.uploadTimeUp);
    if (Number.isFinite(allowed)) lines.push(left > 0 ? text.uploadRetakesLeft.replace('{count}', String(left)) : text.uploadNoRetakesLeft);
    takeState.textContent = lines.join(' ');
    elapsed.textContent = '';
    take.hidden = false;
    start.hidden = true;
    takeSend.focus();
  }
  // While the camera records and its take waits for a choice, choosing a file is out of the way:
  // the one button to press is the take's.
  takeSend.addEventListener('click', () => {
    take.hidden = true;
    start.hidden = false;
    form.hidden = false;
    run(lastRecording);
  });
  takeAgain.addEventListener('click', () => {
    retakesUsed += 1;
    take.hidden = true;
    form.hidden = false;
    lastRecording = null;
    start.hidden = false;
    start.click();
  });
  if (!navigator.mediaDevices || !window.MediaRecorder) {
    start.hidden = true;
  } else {
    let recorder = null;
    let timer = null;
    let timedOut = false;
    start.addEventListener('click', async () => {
      error.hidden = true;
      let stream;
      try {
        stream = await navigator.mediaDevices.getUserMedia({ video: true, audio: true });
      } catch (err) {
        fail(text.uploadNoCamera);
        return;
      }
      const chunks = [];
      timedOut = false;
      recorder = new MediaRecorder(stream);
      recorder.addEventListener('dataavailable', (event) => { if (event.data.size) chunks.push(event.data); });
      recorder.addEventListener('stop', () => {
        clearInterval(timer);
        for (const track of stream.getTracks()) track.stop();
        preview.hidden = true;
        preview.srcObject = null;
        stop.hidden = true;
        const type = recorder.mimeType || 'video/webm';
        const stamp = new Date().toISOString().replace(/[:.]/g, '-');
        lastRecording = new File(chunks, `recording-${stamp}.webm`, { type, lastModified: Date.now() });
        showTake(lastRecording, timedOut);
      });
      preview.srcObject = stream;
      preview.hidden = false;
      preview.play();
      recorder.start(1000);
      const began = Date.now();
      elapsed.textContent = limit ? text.uploadOf.replace('{time}', '0:00').replace('{limit}', clockText(limit)) : '0:00';
      timer = setInterval(() => {
        const seconds = Math.floor((Date.now() - began) / 1000);
        elapsed.textContent = limit ? text.uploadOf.replace('{time}', clockText(Math.min(seconds, limit))).replace('{limit}', clockText(limit))
          : clockText(seconds);
        if (limit && seconds >= limit && recorder.state !== 'inactive') {
          timedOut = true;
          recorder.stop();
        }
      }, 250);
      start.hidden = true;
      stop.hidden = false;
      form.hidden = true;
      stop.focus();
    });
    stop.addEventListener('click', () => { if (recorder && recorder.state !== 'inactive') recorder.stop(); });
  }

  // The checklist's ticks belong to the attempt being prepared: kept through a reload, cleared
  // once that attempt is sent.
  const checklistKey = `steiger:checklist:${form.dataset.user}:${form.dataset.exercise}:${form.dataset.nextAttempt}`;
  const boxes = [...document.querySelectorAll('.checklist input[type=checkbox]')];
  const ticked = new Set(JSON.parse(localStorage.getItem(checklistKey) || '[]'));
  boxes.forEach((box, index) => {
    box.checked = ticked.has(index);
    box.addEventListener('change', () => {
      const now = boxes.map((b, i) => (b.checked ? i : -1)).filter((i) => i >= 0);
      localStorage.setItem(checklistKey, JSON.stringify(now));
    });
  });
  window.addEventListener('steiger:sent', () => localStorage.removeItem(checklistKey));

  // A model video that cannot be loaded says so, in place of a silent black player.
  for (const model of document.querySelectorAll('video.model')) {
    const unavailable = () => {
      if (model.nextElementSibling && model.nextElementSibling.classList.contains('model-error')) return;
      const note = document.createElement('p');
      note.className = 'model-error error';
      note.setAttribute('role', 'alert');
      note.textContent = model.dataset.unavailable || text.modelVideoUnavailable;
      model.after(note);
      // An empty player with a spinner would suggest it is still coming.
      model.hidden = true;
    };
    model.addEventListener('error', unavailable, true);
    if (model.error) unavailable();
  }
  const pending = Object.keys(localStorage).some((key) => key.startsWith(prefix));
  if (pending) say(text.uploadInterrupted);
})();
