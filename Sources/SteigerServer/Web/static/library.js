// The media library page: sends a video with the shared resumable client (tus.js; choosing the
// same file again after a dropped connection continues it), then waits while new videos are
// prepared for playing.
(() => {
  'use strict';
  const form = document.getElementById('library-upload');
  if (!form) return;
  const text = JSON.parse(form.dataset.text);
  const progress = document.getElementById('video-progress');
  const status = document.getElementById('video-status');
  const error = document.getElementById('video-error');

  let busy = false;
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const file = form.elements.file.files[0];
    if (!file || busy) return;
    busy = true;
    error.hidden = true;
    progress.hidden = false;
    progress.value = 0;
    status.textContent = text.libraryUploading.replace('{percent}', '0');
    try {
      await window.steigerTus.send(file, {
        key: `steiger-library:${file.name}:${file.size}:${file.lastModified}`,
        metadata: { library: form.elements.kind.value, title: form.elements.title.value },
        csrf: form.dataset.csrf, done: 'Steiger-Media-Item', text,
        say: (message) => { status.textContent = message; },
        show: (offset, size) => {
          progress.value = size ? Math.floor((offset / size) * 100) : 100;
          status.textContent = text.libraryUploading.replace('{percent}', String(progress.value));
        },
      });
      window.location.reload();
    } catch (err) {
      progress.hidden = true;
      status.textContent = '';
      error.textContent = text.libraryFailedUpload.replace('{reason}', err.message || text.failed);
      error.hidden = false;
      busy = false;
    }
  });

  // While a video is being prepared, look again every two seconds.
  const list = document.getElementById('library-items');
  if (list && 'processing' in list.dataset) setTimeout(() => window.location.reload(), 2000);
})();
