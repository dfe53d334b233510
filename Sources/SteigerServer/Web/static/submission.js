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
  // An example shared without its feedback has no feedback section, and no comments to show.
  const comments = feedback && window.SteigerComments.attach({
    submission: id, list: $('annotations'), timeline, player, csrf: section.dataset.csrf, text, empty: $('no-comments'),
    readOnly: section.dataset.readOnly === 'true',
  });

  async function feedbackLoad() {
    if (!comments) return;
    const reviews = await fetch(`/api/v1/submissions/${id}/reviews`, { credentials: 'same-origin' });
    await comments.load();
    if (reviews.ok) {
      const box = $('reviews');
      box.replaceChildren(...(await reviews.json()).items.map((review) => {
        const part = document.createElement('div');
        part.className = 'review-result';
        const title = document.createElement('h3');
        const named = { guest: text.guestReview, manager: text.managerReview }[review.kind];
        const who = named ? named.replace('{name}', review.reviewer)
          : { trainer: text.trainerReview, peer: text.peerReview, self: text.selfReview }[review.kind] || review.kind;
        const { breakdown } = review;
        title.textContent = `${who}: ${Steiger.total(breakdown.points, breakdown.possible, text)}`;
        const mark = document.createElement('p');
        mark.className = 'muted';
        mark.textContent = text.passMark;
        const scores = document.createElement('ul');
        for (const line of breakdown.lines) {
          const li = document.createElement('li');
          li.textContent = `${line.title}: ${Steiger.step(line, text)}`;
          scores.append(li);
        }
        part.append(title, mark, scores);
        if (review.comment) {
          const comment = document.createElement('p');
          comment.textContent = review.comment;
          part.append(comment);
        }
        return part;
      }));
    }
    feedback.hidden = false;
  }

  async function poll() {
    let media;
    try {
      const response = await fetch(`/api/v1/submissions/${id}/media`, { credentials: 'same-origin' });
      if (response.status >= 400 && response.status < 500) {
        // Signed out or no longer allowed: stop, and say so.
        failure.textContent = text.failedGeneric;
        failure.hidden = false;
        return;
      }
      if (!response.ok) throw new Error(String(response.status));
      media = await response.json();
    } catch (_) {
      setTimeout(poll, 3000);
      return;
    }
    status.textContent = text[media.status] || media.status;
    if (media.status === 'failed') {
      failure.textContent = media.failureReason || text.failedGeneric;
      failure.hidden = false;
      bar.hidden = true;
      return;
    }
    if (media.removed) {
      // Removed under a retention policy: the note says when and why; the feedback stays.
      bar.hidden = true;
      $('media-removed').textContent = media.removed;
      $('media-removed').hidden = false;
      if (comments) comments.recordingRemoved();
      feedbackLoad();
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
