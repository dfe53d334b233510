// A tus 1.0.0 client shared by the pages that send videos: the file goes in chunks, the upload's
// address is kept in localStorage under `key`, so after a dropped connection or a page reload
// choosing the same file again continues where it stopped. Resolves with the value of `done`
// (the header naming what the complete upload became).
window.steigerTus = (() => {
  'use strict';
  const chunkSize = 4 * 1024 * 1024;
  const b64 = (value) => btoa(String.fromCharCode(...new TextEncoder().encode(value)));
  const pause = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

  // options: key, metadata (object), csrf, done (header name), text (catalogue), say(message),
  // show(offset, size).
  async function send(file, options) {
    const { key, csrf, done, text } = options;
    const say = options.say || (() => {});
    const show = options.show || (() => {});
    const call = (method, url, headers, body) => fetch(url, {
      method, body, credentials: 'same-origin',
      headers: Object.assign({ 'Tus-Resumable': '1.0.0', 'X-CSRF-Token': csrf }, headers),
    });
    async function problem(response) {
      try {
        const body = await response.json();
        return [body.detail, ...(body.errors || []).map((e) => `${e.field}: ${e.message}`)].filter(Boolean).join(' — ') || text.uploadFailed;
      } catch (_) { return text.uploadFailed; }
    }
    // Where the upload of `file` stands: its address and offset, or what it already made.
    async function resumeOrCreate() {
      const known = localStorage.getItem(key);
      if (known) {
        const head = await call('HEAD', known, {});
        if (head.ok) {
          const made = head.headers.get(done);
          if (made) return { url: known, offset: file.size, made };
          const offset = Number(head.headers.get('Upload-Offset') || 0);
          say(text.uploadResuming.replace('{percent}', String(Math.floor((offset / file.size) * 100))));
          return { url: known, offset };
        }
        localStorage.removeItem(key);
      }
      const metadata = Object.entries(Object.assign({ filename: file.name }, options.metadata))
        .map(([name, value]) => `${name} ${b64(value)}`).join(',');
      const created = await call('POST', '/api/v1/uploads', { 'Upload-Length': String(file.size), 'Upload-Metadata': metadata });
      if (created.status !== 201) throw new Error(await problem(created));
      const url = created.headers.get('Location');
      localStorage.setItem(key, url);
      return { url, offset: 0 };
    }

    let { url, offset, made } = await resumeOrCreate();
    let failures = 0;
    let conflicts = 0;
    while (!made) {
      try {
        const response = await call('PATCH', url, {
          'Upload-Offset': String(offset), 'Content-Type': 'application/offset+octet-stream',
        }, file.slice(offset, Math.min(offset + chunkSize, file.size)));
        if (response.status === 409 || response.status === 404 || response.status === 410) {
          // Another writer still holds it, or our offset is stale, or it expired: look again.
          conflicts += 1;
          if (conflicts > 5) throw new Error(await problem(response));
          await pause(500 * conflicts);
          ({ url, offset, made } = await resumeOrCreate());
          continue;
        }
        conflicts = 0;
        if (response.status !== 204) throw new Error(await problem(response));
        offset = Number(response.headers.get('Upload-Offset'));
        failures = 0;
        show(offset, file.size);
        made = response.headers.get(done);
        if (!made) say(text.uploadSending.replace('{percent}', String(Math.floor((offset / file.size) * 100))));
      } catch (err) {
        if (!(err instanceof TypeError)) throw err;  // a refusal with a reason, not the network
        failures += 1;
        if (failures > 5) throw new Error(text.uploadConnectionLost);
        say(text.uploadReconnecting);
        await pause(1000 * failures);
        try {
          const head = await call('HEAD', url, {});
          if (head.ok) {
            made = head.headers.get(done);
            offset = Number(head.headers.get('Upload-Offset') || offset);
          }
        } catch (_) { /* still offline: the next round tries again */ }
      }
    }
    localStorage.removeItem(key);
    return made;
  }

  return { send };
})();
