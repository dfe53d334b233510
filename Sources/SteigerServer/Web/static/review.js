// The review page: the player with storyboard previews over the timeline, comments at the current
// moment or over a marked span (keyboard first), the rubric with its weighted total, submit.
(() => {
  'use strict';
  const root = document.getElementById('review');
  if (!root) return;
  const $ = (id) => document.getElementById(id);
  const { task, submission, csrf } = root.dataset;
  const text = JSON.parse(root.dataset.text);
  const possible = Number(root.dataset.possible);
  const player = $('player');
  const timeline = $('timeline');
  const preview = $('preview');
  const rangeState = $('range-state');
  const commentForm = $('comment');
  const commentText = $('comment-text');
  const commentTime = $('comment-time');
  const commentTag = $('comment-tag');
  const commentError = $('comment-error');
  const list = $('annotations');
  const rubric = $('rubric');
  const total = $('total');
  const reviewStatus = $('review-status');
  const reviewError = $('review-error');
  let pendingAt = null;
  let range = null;
  let cues = [];

  const { clock } = window.SteigerComments;
  const nowMs = () => Math.round(player.currentTime * 1000);

  async function send(method, url, body) {
    return fetch(url, {
      method, credentials: 'same-origin', body: body === undefined ? undefined : JSON.stringify(body),
      headers: Object.assign({ 'X-CSRF-Token': csrf }, body === undefined ? {} : { 'Content-Type': 'application/json' }),
    });
  }
  async function reason(response) {
    try {
      const problem = await response.json();
      const fields = (problem.errors || []).map((error) => `${error.field}: ${error.message}`);
      return fields.length ? fields.join('; ') : (problem.detail || text.failed);
    } catch (_) { return text.failed; }
  }

  // The recording and its storyboard.
  async function loadMedia() {
    const response = await fetch(`/api/v1/submissions/${submission}/media`, { credentials: 'same-origin' });
    if (!response.ok) return;
    const media = await response.json();
    if (media.removed) {
      // Removed under a retention policy: the note stands where the video was.
      const note = document.getElementById('media-removed');
      note.textContent = media.removed;
      note.hidden = false;
      player.hidden = true;
      comments.recordingRemoved();
      loadAnnotations();
      return;
    }
    if (media.poster) player.poster = media.poster;
    if (media.rendition) player.src = media.rendition;
    if (media.storyboard) loadStoryboard(media.storyboard);
  }
  function seconds(stamp) {
    const [h, m, s] = stamp.split(':');
    return Number(h) * 3600 + Number(m) * 60 + Number(s);
  }
  async function loadStoryboard(url) {
    const response = await fetch(url, { credentials: 'same-origin' });
    if (!response.ok) return;
    const base = new URL(url, window.location.href);
    for (const block of (await response.text()).split(/\n\n+/)) {
      const lines = block.trim().split('\n');
      const arrow = lines.findIndex((line) => line.includes('-->'));
      if (arrow < 0 || !lines[arrow + 1]) continue;
      const [start, end] = lines[arrow].split('-->').map((part) => seconds(part.trim()));
      const [image, fragment] = lines[arrow + 1].split('#xywh=');
      const [x, y, w, h] = (fragment || '0,0,160,90').split(',').map(Number);
      cues.push({ start, end, image: new URL(image, base).href, x, y, w, h });
    }
  }
  timeline.addEventListener('mousemove', (event) => {
    if (!player.duration || !cues.length) return;
    const box = timeline.getBoundingClientRect();
    const at = ((event.clientX - box.left) / box.width) * player.duration;
    const cue = cues.find((c) => at >= c.start && at < c.end) || cues[cues.length - 1];
    preview.hidden = false;
    preview.style.width = `${cue.w}px`;
    preview.style.height = `${cue.h}px`;
    preview.style.backgroundImage = `url("${cue.image}")`;
    preview.style.backgroundPosition = `-${cue.x}px -${cue.y}px`;
    preview.style.left = `${Math.min(Math.max(event.clientX - box.left - cue.w / 2, 0), box.width - cue.w)}px`;
    preview.dataset.time = clock(at * 1000);
  });
  timeline.addEventListener('mouseleave', () => { preview.hidden = true; });
  // Placed for the timeline's width when shown; a new width places it afresh on the next hover.
  window.addEventListener('resize', () => { preview.hidden = true; });

  // Comments.
  const comments = window.SteigerComments.attach({ submission, list, timeline, player, csrf, text });
  const loadAnnotations = comments.load;
  loadAnnotations();
  player.addEventListener('timeupdate', () => { if (pendingAt === null) commentTime.textContent = clock(nowMs()); });

  function startComment() {
    player.pause();
    pendingAt = nowMs();
    commentTime.textContent = range && range.to !== undefined ? `${clock(range.from)}–${clock(range.to)}` : clock(pendingAt);
    commentText.focus();
  }
  // Enter sends the comment; Shift+Enter starts a new line.
  commentText.addEventListener('keydown', (event) => {
    if (event.key !== 'Enter' || event.shiftKey || event.isComposing) return;
    event.preventDefault();
    commentForm.requestSubmit();
  });
  commentForm.addEventListener('submit', async (event) => {
    event.preventDefault();
    commentError.hidden = true;
    const body = { text: commentText.value, tag: commentTag.value };
    if (range && range.to !== undefined) { body.from = range.from; body.to = range.to; } else { body.at = pendingAt ?? nowMs(); }
    const response = await send('POST', `/api/v1/submissions/${submission}/annotations`, body);
    if (response.status !== 201) {
      commentError.textContent = await reason(response);
      commentError.hidden = false;
      return;
    }
    commentText.value = '';
    pendingAt = null;
    range = null;
    rangeState.textContent = '';
    await loadAnnotations();
    player.focus();
  });

  document.addEventListener('keydown', (event) => {
    const typing = ['TEXTAREA', 'INPUT', 'SELECT'].includes(event.target.tagName);
    if (event.key === 'Escape') {
      range = null;
      pendingAt = null;
      rangeState.textContent = '';
      if (typing) event.target.blur();
      return;
    }
    if (typing || event.ctrlKey || event.metaKey || event.altKey || !$('keys-on').checked) return;
    switch (event.key) {
      case 'k': if (player.paused) player.play(); else player.pause(); break;
      case 'c': startComment(); break;
      case 'j': player.currentTime = Math.max(0, player.currentTime - 5); break;
      case 'l': player.currentTime = Math.min(player.duration || 0, player.currentTime + 5); break;
      case '[':
        range = { from: nowMs() };
        rangeState.textContent = text.rangeStarted.replace('{time}', clock(range.from));
        break;
      case ']':
        if (!range || nowMs() <= range.from) { rangeState.textContent = text.rangeNeedsStart; break; }
        range.to = nowMs();
        rangeState.textContent = text.rangeMarked.replace('{from}', clock(range.from)).replace('{to}', clock(range.to));
        startComment();
        break;
      default: return;
    }
    event.preventDefault();
  });

  // The rubric: each step carries the points the server gives it; the total adds them up.
  function scores() {
    const values = {};
    for (const chosen of rubric.querySelectorAll('input[type=radio]:checked')) values[chosen.name] = Number(chosen.value);
    return values;
  }
  rubric.addEventListener('change', () => {
    const chosen = [...rubric.querySelectorAll('input[type=radio]:checked')];
    const criteriaCount = rubric.querySelectorAll('fieldset.criterion-score').length;
    if (chosen.length < criteriaCount) { total.textContent = text.scoreNone; return; }
    total.textContent = Steiger.total(chosen.reduce((sum, input) => sum + Number(input.dataset.points), 0), possible, text);
  });
  // Sending the review, or (once sent, while its reviewer may) saving a change to it; then the
  // way on: the next attempt or back to the list.
  rubric.addEventListener('submit', async (event) => {
    event.preventDefault();
    reviewError.hidden = true;
    const first = root.dataset.method !== 'PUT';
    const response = await send(first ? 'POST' : 'PUT', `/api/v1/review-tasks/${task}/review`, { scores: scores(), comment: $('overall').value });
    if (response.status !== (first ? 201 : 200)) {
      reviewError.textContent = await reason(response);
      reviewError.hidden = false;
      return;
    }
    const review = await response.json();
    const sum = Steiger.total(review.breakdown.points, review.breakdown.possible, text);
    reviewStatus.textContent = (first ? text.reviewSubmitted : text.reviewChanged).replace('{total}', sum);
    root.dataset.method = 'PUT';
    $('submit-review').textContent = text.reviewSaveChanges;
    const hold = document.querySelector('.hold');
    if (hold) hold.hidden = true;
    const after = $('after-send');
    after.hidden = false;
    const next = after.querySelector('button, a');
    if (first && next) next.focus();
  });

  // A trainer's hold: renew it, or give the attempt back to the queue.
  const renew = $('hold-renew');
  if (renew) {
    const holdState = $('hold-state');
    const hold = async (action) => {
      const response = await send('POST', `/api/v1/review-tasks/${task}/${action}`);
      if (!response.ok) { holdState.textContent = await reason(response); return; }
      if (action === 'release') { window.location.assign('/train'); return; }
      const held = await response.json();
      // The time in the person's own time zone, as the page gave it.
      const clockTime = new Intl.DateTimeFormat(document.documentElement.lang, { hour: '2-digit', minute: '2-digit', timeZone: root.dataset.zone });
      holdState.textContent = `${text.heldUntil} ${clockTime.format(new Date(held.leaseExpires))} ${root.dataset.zoneName}`;
    };
    renew.addEventListener('click', () => hold('renew'));
    $('hold-release').addEventListener('click', () => hold('release'));
  }

  loadMedia();
})();
