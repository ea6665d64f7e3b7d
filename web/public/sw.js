/* FieldPilot's service worker: the jobs a technician has opened stay readable without a network.
 *
 * - The app shell and its hashed assets: served from the network when there is one, else from the
 *   cache (assets are immutable, so they are served from the cache first).
 * - The API reads a page needs to show a job (`/v1/me`, `/v1/jobs`, `/v1/jobs/:id`,
 *   `/v1/jobs/:id/context`, `/v1/jobs/:id/brief`) and a cited document (`/v1/documents/:docId`,
 *   `/v1/library/documents/:docId`, with their `?version=`): network first; a successful answer is kept in a cache of the signed-in
 *   user and tenant only, and used when the network is gone. The page tells this worker who is
 *   signed in (`postMessage({type: "user", key})`); without that, nothing is kept.
 * - Sign-out (`{type: "sign-out"}`) deletes every cached answer of every user.
 * Nothing else is cached: no other API route, no write, no error.
 */
const SHELL = "fieldpilot-shell-v1";
const DATA_PREFIX = "fieldpilot-data-v1:";
/** Who is signed in survives this worker being stopped between events: it is kept in a cache too. */
const SESSION = "fieldpilot-session-v1";
const USER_KEY = "/__user";
const CACHED_API = [
  /^\/v1\/me$/,
  /^\/v1\/jobs$/,
  /^\/v1\/jobs\/[^/]+$/,
  /^\/v1\/jobs\/[^/]+\/(?:context|brief)$/,
  /^\/v1\/(?:library\/)?documents\/[^/]+$/,
];

/** Who is signed in (issuer|subject), as the page last said; null: keep nothing. */
let user = null;

async function currentUser() {
  if (user !== null) return user;
  const stored = await (await caches.open(SESSION)).match(USER_KEY);
  user = stored ? await stored.text() : null;
  return user;
}

/** Forgets every cached answer except those of `keep` (null: all of them). */
async function dropDataExcept(keep) {
  const names = await caches.keys();
  await Promise.all(names.filter((n) => n.startsWith(DATA_PREFIX) && n !== DATA_PREFIX + keep).map((n) => caches.delete(n)));
}

/** The shell and the assets it names, so the app opens offline even if no page was loaded through this worker. */
async function precacheShell() {
  const cache = await caches.open(SHELL);
  const response = await fetch("/", { cache: "no-cache" });
  if (response.status !== 200) return;
  const html = await response.clone().text();
  await cache.put("/", response);
  const assets = [...html.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((m) => m[1]);
  await cache.addAll(assets);
}

self.addEventListener("install", (event) => event.waitUntil(precacheShell().then(() => self.skipWaiting())));
self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));

self.addEventListener("message", (event) => {
  const data = event.data ?? {};
  if (data.type === "user" && typeof data.key === "string") {
    user = data.key;
    // One user's answers at a time on this device: another user's are dropped.
    event.waitUntil(Promise.all([caches.open(SESSION).then((c) => c.put(USER_KEY, new Response(data.key))), dropDataExcept(data.key)]));
  }
  if (data.type === "sign-out") {
    user = null;
    event.waitUntil(Promise.all([caches.delete(SESSION), dropDataExcept(null)]));
  }
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (CACHED_API.some((re) => re.test(url.pathname))) {
    event.respondWith(apiRead(request, url));
  } else if (request.mode === "navigate") {
    event.respondWith(shell(request));
  } else if (url.pathname.startsWith("/assets/")) {
    event.respondWith(asset(request));
  }
});

/** The cache key of an API read: its URL and the tenant it was asked in. */
function dataKey(request, url) {
  const tenant = request.headers.get("x-tenant-id") ?? "";
  return `${url.pathname}${url.search}#tenant=${encodeURIComponent(tenant)}`;
}

async function apiRead(request, url) {
  const owner = await currentUser();
  try {
    const response = await fetch(request);
    if (owner && response.status === 200) {
      const cache = await caches.open(DATA_PREFIX + owner);
      await cache.put(dataKey(request, url), response.clone());
    }
    return response;
  } catch (error) {
    if (owner) {
      const cached = await (await caches.open(DATA_PREFIX + owner)).match(dataKey(request, url));
      if (cached) return cached;
    }
    throw error;
  }
}

async function shell(request) {
  try {
    const response = await fetch(request);
    if (response.status === 200) await (await caches.open(SHELL)).put("/", response.clone());
    return response;
  } catch (error) {
    const cached = await (await caches.open(SHELL)).match("/");
    if (cached) return cached;
    throw error;
  }
}

async function asset(request) {
  const cache = await caches.open(SHELL);
  const cached = await cache.match(request);
  if (cached) return cached;
  const response = await fetch(request);
  if (response.status === 200) await cache.put(request, response.clone());
  return response;
}
