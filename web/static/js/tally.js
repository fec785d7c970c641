// 现场计数 (the tally page): each tap gets its own id and waits on the phone until the
// server has it, so taps made without signal are sent when it returns and a tap sent twice
// counts once. The page keeps working offline through the service worker (/sw.js).
(() => {
  const root = document.querySelector("[data-tally]");
  if (!root) return;
  // Kept per stall and per person: on a phone two volunteers share, each one's taps wait
  // for their own log-in and are never sent in another's name.
  const where = `${root.dataset.stall}-${root.dataset.counter}`;
  const queueKey = `tally-queue-${where}`;
  const undoKey = `tally-undo-${where}`;
  const knownKey = `tally-known-${where}`;
  const read = (key, empty) => {
    try {
      return JSON.parse(localStorage.getItem(key)) ?? empty;
    } catch {
      return empty;
    }
  };
  const write = (key, value) => localStorage.setItem(key, JSON.stringify(value));

  // The server's totals: from the page, or newer ones the last sync brought.
  const fromPage = { at: Number(root.dataset.readAt), counts: JSON.parse(root.dataset.totals) };
  const stored = read(knownKey, null);
  let known = stored && stored.at > fromPage.at ? stored : fromPage;

  const newId = () => {
    if (crypto.randomUUID) return crypto.randomUUID();
    const b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    const h = [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  };

  const undo = root.querySelector("[data-undo]");
  function show() {
    const queue = read(queueKey, []);
    const counts = { ...known.counts };
    for (const tap of queue) counts[tap.category] = (counts[tap.category] || 0) + tap.delta;
    let total = 0;
    for (const cell of root.querySelectorAll("[data-count]")) {
      const n = Math.max(0, counts[cell.dataset.count] || 0);
      cell.textContent = n;
      total += n;
    }
    root.querySelector("[data-total]").textContent = total;
    root.querySelector("[data-unsynced]").hidden = queue.length === 0;
    root.querySelector("[data-unsynced-count]").textContent = queue.length;
    undo.hidden = read(undoKey, []).length === 0;
  }

  let sending = false;
  async function sync() {
    if (sending) return;
    sending = true;
    try {
      for (;;) {
        const batch = read(queueKey, []).slice(0, 200);
        if (batch.length === 0) break;
        const response = await fetch(root.dataset.tapsUrl, {
          method: "POST",
          credentials: "same-origin",
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify({ taps: batch }),
        });
        if (!response.ok) {
          // Refused for good (the day was cancelled, the place given up): say so, keep them.
          if ([403, 404, 422].includes(response.status)) {
            root.querySelector("[data-refused]").hidden = false;
          }
          break;
        }
        const answer = await response.json();
        known = { at: Date.now(), counts: answer.counts };
        write(knownKey, known);
        const sent = new Set(batch.map((tap) => tap.id));
        write(queueKey, read(queueKey, []).filter((tap) => !sent.has(tap.id)));
        show();
      }
    } catch {
      // No signal: the taps wait here, and the next try sends them.
    }
    sending = false;
    show();
  }

  function tap(category, delta) {
    write(queueKey, [...read(queueKey, []), { id: newId(), category, delta, tapped_at: new Date().toISOString() }]);
    show();
    sync();
  }

  root.addEventListener("submit", (event) => {
    const form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.elements.category) return;
    event.preventDefault();
    const category = form.elements.category.value;
    write(undoKey, [...read(undoKey, []), category].slice(-50));
    tap(category, 1);
  });
  undo.addEventListener("click", () => {
    const done = read(undoKey, []);
    const last = done.pop();
    if (!last) return;
    write(undoKey, done);
    tap(last, -1);
  });

  window.addEventListener("online", sync);
  setInterval(sync, 3000);
  show();
  sync();
  if ("serviceWorker" in navigator) navigator.serviceWorker.register("/sw.js").catch(() => {});
})();
