// The service worker of the tally page (现场计数): the page, its script and stylesheet are
// kept on the phone, so the page opens without signal; everything else goes to the network
// as usual. Always the network first: a phone with signal sees the newest page.
const CACHE = "weiyifang-tally-v1";
const KEPT = ["/static/css/app.css", "/static/js/app.js", "/static/js/tally.js"];

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(KEPT)));
  self.skipWaiting();
});

self.addEventListener("activate", (event) => {
  event.waitUntil(self.clients.claim());
});

self.addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== "GET" || url.origin !== self.location.origin) return;
  const page = /^\/stalls\/[^/]+\/tally$/.test(url.pathname);
  if (!page && !KEPT.includes(url.pathname)) return;
  event.respondWith(
    fetch(event.request)
      .then((response) => {
        if (response.ok) {
          const copy = response.clone();
          event.waitUntil(caches.open(CACHE).then((cache) => cache.put(url.pathname, copy)));
        }
        return response;
      })
      .catch(() => caches.match(url.pathname).then((kept) => kept || Response.error())),
  );
});
