// Follows an attempt from upload to playable (polling its media record), then shows the
// feedback: comments in time order and as markers on the timeline (a click seeks the video; the
// comments of the moment being played are highlighted) and the rubric results.
(() => {
  'use strict';
  const section = document.getElementById('attempt');
  if (!section) return;
  const $ = (id) => document.getElementById(id);
  const id = section.dataset.submission;
  const text = JSON.parse(section.dataset.text);
  const status = $('status');
  const bar = $('processing');
  const failure = $('failure');
  const player = $('player');
  const timeline = $('timeline');
  const feedback = $('feedback');
  const criteria = JSON.parse(feedback.dataset.criteria);
  let comments = [];

  const clock = (ms) => {
    const seconds = Math.floor(ms / 1000);
    return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`;
  };

  async function feedbackLoad() {
    const [annotations, reviews] = await Promise.all([
      fetch(`/api/v1/submissions/${id}/annotations`, { credentials: 'same-origin' }),
      fetch(`/api/v1/submissions/${id}/reviews`, { credentials: 'same-origin' }),
    ]);
    if (annotations.ok) {
      comments = (await annotations.json()).items.filter((item) => !item.deleted && !item.parentId);
      comments.sort((a, b) => (a.at ?? a.from) - (b.at ?? b.from));
    }
    const list = $('annotations');
    list.replaceChildren(...comments.map((item) => {
      const li = document.createElement('li');
      li.dataset.from = String(item.at ?? item.from);
      li.dataset.to = String(item.to ?? item.at);
      const seek = document.createElement('button');
      seek.type = 'button';
      seek.className = 'seek';
      seek.textContent = item.at !== null ? clock(item.at) : `${clock(item.from)}–${clock(item.to)}`;
      seek.addEventListener('click', () => { player.currentTime = (item.at ?? item.from) / 1000; player.focus(); });
      const body = document.createElement('span');
      body.className = 'text';
      body.textContent = ` ${item.tag ? `[${item.tag}] ` : ''}${item.text} — ${item.author}`;
      li.append(seek, body);
      return li;
    }));
    $('no-comments').hidden = comments.length > 0;
    if (reviews.ok) {
      const box = $('reviews');
      box.replaceChildren(...(await reviews.json()).items.map((review) => {
        const part = document.createElement('div');
        part.className = 'review-result';
        const title = document.createElement('h3');
        const who = { trainer: text.trainerReview, peer: text.peerReview, self: text.selfReview }[review.kind] || review.kind;
        title.textContent = `${who}: ${review.total.toFixed(2)}`;
        const scores = document.createElement('ul');
        for (const criterion of criteria) {
          if (!(criterion.key in review.scores)) continue;
          const li = document.createElement('li');
          li.textContent = `${criterion.title}: ${review.scores[criterion.key]}`;
          scores.append(li);
        }
        part.append(title, scores);
        if (review.comment) {
          const comment = document.createElement('p');
          comment.textContent = review.comment;
          part.append(comment);
        }
        return part;
      }));
    }
    feedback.hidden = false;
    drawMarkers();
  }

  function drawMarkers() {
    if (!player.duration) return;
    timeline.replaceChildren(...comments.map((item) => {
      const mark = document.createElement('span');
      mark.className = item.at !== null ? 'marker' : 'marker span';
      mark.style.left = `${((item.at ?? item.from) / 1000 / player.duration) * 100}%`;
      if (item.at === null) mark.style.width = `${((item.to - item.from) / 1000 / player.duration) * 100}%`;
      return mark;
    }));
    timeline.hidden = false;
  }
  player.addEventListener('loadedmetadata', drawMarkers);
  player.addEventListener('timeupdate', () => {
    const now = player.currentTime * 1000;
    for (const li of document.querySelectorAll('#annotations li')) {
      const from = Number(li.dataset.from);
      const to = Number(li.dataset.to);
      li.classList.toggle('active', from === to ? Math.abs(now - from) < 1500 : now >= from && now <= to);
    }
  });
  timeline.addEventListener('click', (event) => {
    if (!player.duration) return;
    const box = timeline.getBoundingClientRect();
    player.currentTime = ((event.clientX - box.left) / box.width) * player.duration;
  });

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
      feedbackLoad();
      return;
    }
    bar.hidden = false;
    bar.value = Math.round((media.progress || 0) * 100);
    setTimeout(poll, 1500);
  }
  poll();
})();
