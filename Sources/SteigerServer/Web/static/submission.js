// Follows an attempt from upload to playable: polls its media record until it is ready (then
// plays the web rendition) or failed (then says why).
(() => {
  'use strict';
  const section = document.getElementById('attempt');
  if (!section) return;
  const id = section.dataset.submission;
  const text = JSON.parse(section.dataset.text);
  const status = document.getElementById('status');
  const bar = document.getElementById('processing');
  const failure = document.getElementById('failure');
  const player = document.getElementById('player');

  async function poll() {
    let media;
    try {
      const response = await fetch(`/api/v1/submissions/${id}/media`, { credentials: 'same-origin' });
      if (!response.ok) throw new Error(String(response.status));
      media = await response.json();
    } catch (_) {
      setTimeout(poll, 3000);
      return;
    }
    status.textContent = text[media.status] || media.status;
    if (media.status === 'failed') {
      failure.textContent = media.failureReason || text.failed;
      failure.hidden = false;
      bar.hidden = true;
      return;
    }
    if ((media.status === 'ready' || media.status === 'reviewed') && media.rendition) {
      bar.hidden = true;
      if (media.poster) player.poster = media.poster;
      player.src = media.rendition;
      player.hidden = false;
      return;
    }
    bar.hidden = false;
    bar.value = Math.round((media.progress || 0) * 100);
    setTimeout(poll, 1500);
  }
  poll();
})();
