import { useEffect, useState } from "preact/hooks";
import type { DocumentSource } from "./citations";

/**
 * Client-side routes: the Worker answers every path that is not an asset, `/v1/*`, `/auth/*` or a
 * probe with the app shell, so a page can be reloaded or shared. Links are plain `<a href>`s;
 * a click on one inside the app is turned into `history.pushState`.
 */
export type Route =
  | { name: "jobs" }
  | { name: "job"; id: string }
  | { name: "board" }
  | { name: "copilot" }
  | { name: "admin" }
  | { name: "document"; source: DocumentSource; docId: string; version: number | null; chunkId: string | null }
  | { name: "sign-in" }
  | { name: "not-found"; path: string };

export function parse(path: string, search = ""): Route {
  if (path === "/" || path === "/jobs") return { name: "jobs" };
  if (path === "/sign-in") return { name: "sign-in" };
  if (path === "/copilot") return { name: "copilot" };
  if (path === "/board") return { name: "board" };
  if (path === "/admin") return { name: "admin" };
  const job = /^\/jobs\/([A-Za-z0-9_.:-]{1,64})$/.exec(path);
  if (job?.[1]) return { name: "job", id: decodeURIComponent(job[1]) };
  // A cited document: `/documents/<docId>?chunk=…` (the tenant's), `/library/<docId>?version=…&chunk=…`.
  const doc = /^\/(documents|library)\/([a-z0-9][a-z0-9-]{0,63})$/.exec(path);
  if (doc?.[1] && doc[2]) {
    const query = new URLSearchParams(search);
    const version = Number(query.get("version"));
    return {
      name: "document",
      source: doc[1] === "library" ? "library" : "documents",
      docId: doc[2],
      version: Number.isSafeInteger(version) && version >= 1 ? version : null,
      chunkId: query.get("chunk"),
    };
  }
  return { name: "not-found", path };
}

export function navigate(to: string): void {
  if (to === location.pathname + location.search + location.hash) return;
  history.pushState(null, "", to);
  dispatchEvent(new PopStateEvent("popstate"));
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parse(location.pathname, location.search));
  useEffect(() => {
    const update = () => setRoute(parse(location.pathname, location.search));
    const click = (event: MouseEvent) => {
      if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
      const link = (event.target as Element | null)?.closest?.("a");
      if (!link || link.target || link.origin !== location.origin || link.hasAttribute("download")) return;
      if (link.pathname.startsWith("/v1/") || link.pathname.startsWith("/auth/")) return;
      // A link within this page (a citation's record): the browser jumps to it and sets :target.
      if (link.pathname === location.pathname && link.search === location.search && link.hash) return;
      event.preventDefault();
      navigate(link.pathname + link.search + link.hash);
    };
    addEventListener("popstate", update);
    document.addEventListener("click", click);
    return () => {
      removeEventListener("popstate", update);
      document.removeEventListener("click", click);
    };
  }, []);
  return route;
}
