// Comments on a recording, shared by the review page and the learner's feedback page: the list
// in time order with their replies, markers on the timeline, a click (on a comment or on the
// timeline) that seeks the video, highlighting of what is being played, replies sent in place.
// Scores as the page's language writes them: 0.82 in English, 0,82 in Dutch; a total as
// "40 % · 2 of 5 points" from the catalogue's scoreTotal texts, points with one decimal at most.
window.Steiger = (() => {
  const language = document.documentElement.lang || 'en';
  const points = (value) => Number(value).toLocaleString(language, { maximumFractionDigits: 1 });
  return {
    score: (value) => Number(value).toLocaleString(language, { minimumFractionDigits: 2, maximumFractionDigits: 2 }),
    points,
    total: (earned, possible, text) => (possible === 1 ? text['scoreTotal.one'] : text['scoreTotal.other'])
      .replace('{percent}', Math.round(possible > 0 ? (earned / possible) * 100 : 0))
      .replace('{points}', points(earned)).replace('{possible}', points(possible)),
    step: (line, text) => text.scoreStep.replace('{label}', line.label).replace('{step}', line.step).replace('{steps}', line.steps),
  };
})();

window.SteigerComments = (() => {
  'use strict';
  const clock = (ms) => {
    const seconds = Math.floor(ms / 1000);
    return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`;
  };

  function attach({ submission, list, timeline, player, csrf, text, empty, readOnly }) {
    let comments = [];
    // Once the recording is removed, a comment's moment is still shown but no longer plays.
    let playable = true;

    async function reply(parent, field, error) {
      const response = await fetch(`/api/v1/submissions/${submission}/annotations`, {
        method: 'POST', credentials: 'same-origin', body: JSON.stringify({ text: field.value, parentId: parent.id }),
        headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf },
      });
      if (response.status !== 201) {
        const generic = text.failedGeneric || text.failed;
        try { error.textContent = (await response.json()).detail || generic; } catch (_) { error.textContent = generic; }
        error.hidden = false;
        return;
      }
      await load();
      const again = document.getElementById(`reply-open-${parent.id}`);
      if (again) again.focus();
    }

    function item(comment, replies) {
      const li = document.createElement('li');
      li.id = `comment-${comment.id}`;
      li.dataset.from = String(comment.at ?? comment.from);
      li.dataset.to = String(comment.to ?? comment.at);
      const seek = document.createElement(playable ? 'button' : 'span');
      seek.className = 'seek';
      seek.textContent = comment.at !== null ? clock(comment.at) : `${clock(comment.from)}–${clock(comment.to)}`;
      if (playable) {
        seek.type = 'button';
        seek.setAttribute('aria-label', `${text.playFrom || ''} ${seek.textContent}`.trim());
        seek.addEventListener('click', () => { player.currentTime = (comment.at ?? comment.from) / 1000; player.focus(); });
      }
      const body = document.createElement('span');
      body.className = 'text';
      // A tag in the page's language where the catalogue has it (tag.praise), else as the exercise names it.
      const tag = comment.tag ? text[`tag.${comment.tag}`] || comment.tag : '';
      body.textContent = `${comment.text} — ${comment.author}`;
      li.append(seek);
      if (tag) {
        // The tag's name beside the swatch of its colour, as on the timeline.
        const chip = document.createElement('span');
        chip.className = 'tag-chip';
        const swatch = document.createElement('span');
        swatch.className = 'swatch';
        swatch.dataset.tag = comment.tag;
        chip.append(swatch, ` ${tag}`);
        li.append(chip, ' ');
      }
      li.append(body);
      if (replies.length) {
        const thread = document.createElement('ul');
        thread.className = 'replies';
        for (const answer of replies) {
          const line = document.createElement('li');
          line.id = `comment-${answer.id}`;
          line.textContent = `${answer.text} — ${answer.author}`;
          thread.append(line);
        }
        li.append(thread);
      }
      // Someone watching an example in the library reads; only those it was sent to answer.
      if (readOnly) return li;
      const open = document.createElement('button');
      open.type = 'button';
      open.className = 'reply-open';
      open.id = `reply-open-${comment.id}`;
      open.textContent = text.reply;
      const form = document.createElement('form');
      form.className = 'reply';
      form.hidden = true;
      const label = document.createElement('label');
      const field = document.createElement('textarea');
      field.id = `reply-${comment.id}`;
      field.rows = 2;
      field.maxLength = 5000;
      field.required = true;
      label.htmlFor = field.id;
      label.textContent = text.replyLabel;
      const send = document.createElement('button');
      send.type = 'submit';
      send.textContent = text.sendReply;
      const error = document.createElement('p');
      error.className = 'error';
      error.setAttribute('role', 'alert');
      error.hidden = true;
      form.append(label, field, send, error);
      open.addEventListener('click', () => { form.hidden = !form.hidden; if (!form.hidden) field.focus(); });
      form.addEventListener('submit', (event) => { event.preventDefault(); reply(comment, field, error); });
      li.append(open, form);
      return li;
    }

    function markers() {
      if (!timeline || !player.duration) return;
      for (const old of timeline.querySelectorAll('.marker')) old.remove();
      for (const comment of comments) {
        const mark = document.createElement('span');
        mark.className = comment.at !== null ? 'marker' : 'marker span';
        // Coloured by its tag, as the legend beside the timeline shows.
        if (comment.tag) mark.dataset.tag = comment.tag;
        mark.style.left = `${((comment.at ?? comment.from) / 1000 / player.duration) * 100}%`;
        if (comment.at === null) mark.style.width = `${((comment.to - comment.from) / 1000 / player.duration) * 100}%`;
        timeline.append(mark);
      }
      timeline.hidden = false;
    }

    async function load() {
      const response = await fetch(`/api/v1/submissions/${submission}/annotations`, { credentials: 'same-origin' });
      if (!response.ok) return;
      const all = (await response.json()).items.filter((comment) => !comment.deleted);
      comments = all.filter((comment) => !comment.parentId);
      comments.sort((a, b) => (a.at ?? a.from) - (b.at ?? b.from));
      list.replaceChildren(...comments.map((comment) => item(comment, all.filter((answer) => answer.parentId === comment.id))));
      if (empty) empty.hidden = comments.length > 0;
      markers();
      // A notification's link names the comment: show it.
      const named = location.hash.startsWith('#comment-') ? document.getElementById(location.hash.slice(1)) : null;
      if (named) {
        named.classList.add('active');
        named.scrollIntoView({ block: 'center' });
      }
    }

    player.addEventListener('loadedmetadata', markers);
    // A click on the timeline seeks to that point.
    if (timeline) {
      timeline.addEventListener('click', (event) => {
        if (!player.duration) return;
        const box = timeline.getBoundingClientRect();
        player.currentTime = ((event.clientX - box.left) / box.width) * player.duration;
      });
    }
    player.addEventListener('timeupdate', () => {
      const now = player.currentTime * 1000;
      for (const li of list.children) {
        const from = Number(li.dataset.from);
        const to = Number(li.dataset.to);
        li.classList.toggle('active', from === to ? Math.abs(now - from) < 1500 : now >= from && now <= to);
      }
    });
    // The recording was removed: the comments' moments are written, not offered to play.
    function recordingRemoved() { playable = false; }

    return { load, clock, recordingRemoved };
  }

  return { attach, clock };
})();
