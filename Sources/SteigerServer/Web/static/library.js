// The media library page: sends a video in one request with its progress shown, then waits
// while new videos are prepared for playing.
(() => {
  'use strict';
  const form = document.getElementById('library-upload');
  if (!form) return;
  const text = JSON.parse(form.dataset.text);
  const progress = document.getElementById('video-progress');
  const status = document.getElementById('video-status');
  const error = document.getElementById('video-error');

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    error.hidden = true;
    const file = form.elements.file.files[0];
    if (!file) return;
    const query = new URLSearchParams({ title: form.elements.title.value, kind: form.elements.kind.value, filename: file.name });
    const request = new XMLHttpRequest();
    request.open('POST', `/api/v1/media-items?${query}`);
    request.setRequestHeader('X-CSRF-Token', form.dataset.csrf);
    request.setRequestHeader('Content-Type', file.type || 'application/octet-stream');
    progress.hidden = false;
    request.upload.addEventListener('progress', (step) => {
      if (!step.lengthComputable) return;
      const percent = Math.round((step.loaded / step.total) * 100);
      progress.value = percent;
      status.textContent = text.libraryUploading.replace('{percent}', String(percent));
    });
    request.addEventListener('load', () => {
      if (request.status === 201) { window.location.reload(); return; }
      let reason = text.failed;
      try {
        const problem = JSON.parse(request.responseText);
        reason = [problem.detail, ...(problem.errors || []).map((e) => `${e.field}: ${e.message}`)].filter(Boolean).join(' — ');
      } catch (_) { /* the general reason */ }
      progress.hidden = true;
      status.textContent = '';
      error.textContent = text.libraryFailedUpload.replace('{reason}', reason);
      error.hidden = false;
    });
    request.addEventListener('error', () => {
      progress.hidden = true;
      error.textContent = text.libraryFailedUpload.replace('{reason}', text.failed);
      error.hidden = false;
    });
    request.send(file);
  });

  // While a video is being prepared, look again every two seconds.
  const list = document.getElementById('library-items');
  if (list && 'processing' in list.dataset) setTimeout(() => window.location.reload(), 2000);
})();
