// The pages' only script: local times, live fragments, confirmations. No inline handlers
// (the CSP forbids them); everything is wired here from data- attributes.
"use strict";

function csrfToken() {
  const meta = document.querySelector('meta[name="csrf-token"]');
  return meta ? meta.content : "";
}

// <time datetime="..." data-local>: the viewer's own time zone and locale.
function localTimes(root) {
  const fmt = new Intl.DateTimeFormat(undefined, {
    year: "numeric", month: "2-digit", day: "2-digit",
    hour: "2-digit", minute: "2-digit", second: "2-digit", timeZoneName: "short",
  });
  root.querySelectorAll("time[data-local]").forEach((el) => {
    const at = new Date(el.getAttribute("datetime"));
    if (!isNaN(at)) { el.textContent = fmt.format(at); el.title = el.getAttribute("datetime"); }
  });
}

// An element with data-poll="URL" is replaced every data-interval seconds (default 5) by the
// HTML fragment at URL. A session that ran out answers 401 with X-Sign-In: go there rather
// than leave a broken page.
function poll(el) {
  const url = el.dataset.poll;
  const every = 1000 * (parseFloat(el.dataset.interval) || 5);
  async function tick() {
    try {
      const resp = await fetch(url, { credentials: "same-origin", headers: { "Accept": "text/html" } });
      if (resp.status === 401) {
        window.location.assign(resp.headers.get("X-Sign-In") || "/sign-in");
        return;
      }
      if (resp.ok) {
        el.innerHTML = await resp.text();
        localTimes(el);
        el.dataset.updated = new Date().toISOString();
      }
    } catch (err) {
      el.dataset.error = String(err);
    }
    setTimeout(tick, every);
  }
  setTimeout(tick, every);
}

document.addEventListener("DOMContentLoaded", () => {
  localTimes(document);
  document.querySelectorAll("[data-poll]").forEach(poll);
  // <form data-confirm="Remove this entry?">: ask first.
  document.querySelectorAll("form[data-confirm]").forEach((form) => {
    form.addEventListener("submit", (event) => {
      if (!window.confirm(form.dataset.confirm)) event.preventDefault();
    });
  });
  // <select data-autosubmit>: filters apply on change (the button stays for keyboards).
  document.querySelectorAll("select[data-autosubmit]").forEach((sel) => {
    sel.addEventListener("change", () => sel.form && sel.form.requestSubmit());
  });
});

window.edgesync = { csrfToken, localTimes };

// --- cloud dashboard -------------------------------------------------------------------------
// <input data-tz>: the viewer's IANA time zone, so that the server reads datetime-local
// fields (From/To) in the zone the viewer typed them in.
document.addEventListener("DOMContentLoaded", () => {
  let zone = "";
  try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone || ""; } catch (err) { zone = ""; }
  document.querySelectorAll("input[data-tz]").forEach((el) => { if (!el.value) el.value = zone; });
});

// <td data-image-url="/reads/ID/image?..."> with a .show-image button: ask the read's site for
// its image (POST, CSRF header), poll where it stands (?meta=1&wait=5: never the bytes, so a
// view is audited once), then show it. Texts come from the server's JSON as textContent.
function showImage(cell) {
  const url = cell.dataset.imageUrl;
  const button = cell.querySelector(".show-image");
  const status = cell.querySelector(".image-status");
  const img = cell.querySelector("img");
  const say = (text) => { status.textContent = text; };
  async function answer(resp) {
    if (resp.status === 401) {
      window.location.assign(resp.headers.get("X-Sign-In") || "/sign-in");
      return null;
    }
    const json = (resp.headers.get("content-type") || "").includes("application/json");
    return json ? await resp.json() : { status: "error", detail: "error " + resp.status };
  }
  async function watch(deadline) {
    while (Date.now() < deadline) {
      const more = (url.includes("?") ? "&" : "?") + "meta=1&wait=5";
      const resp = await fetch(url + more, { credentials: "same-origin" });
      const body = await answer(resp);
      if (body === null) return;
      if (resp.status === 200) {
        img.src = url;
        img.hidden = false;
        say("");
        return;
      }
      if (resp.status !== 202) { say(body.detail); button.disabled = false; return; }
      say("Waiting for the site…");
    }
    say("The site has not answered yet; try again.");
    button.disabled = false;
  }
  button.addEventListener("click", async () => {
    button.disabled = true;
    say("Asking the site…");
    try {
      const resp = await fetch(url, {
        method: "POST",
        credentials: "same-origin",
        headers: { "X-CSRF-Token": csrfToken() },
      });
      const body = await answer(resp);
      if (body === null) return;
      if (resp.status !== 200 && resp.status !== 202) {
        say(body.detail);
        button.disabled = false;
        return;
      }
      await watch(Date.now() + 30000);
    } catch (err) {
      say(String(err));
      button.disabled = false;
    }
  });
}

document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("[data-image-url]").forEach(showImage);
});
