/**
 * proxyFor, the route choice of every download (lib/release/http.ts): HTTPS_PROXY for https URLs (falling
 * back to HTTP_PROXY, as undici did), lower case first, and NO_PROXY matching a host, its subdomains, a
 * `.suffix`, a `host:port`, an IPv6 literal, or `*`.
 */
import assert from "node:assert/strict";
import { proxyFor } from "../../lib/release/http.ts";

const P = "http://proxy:3128";
const of = (url: string, env: Record<string, string>) => proxyFor(new URL(url), env);

Deno.test("proxyFor: which variable applies to which URL", () => {
  assert.equal(of("https://github.com/x", {}), undefined);
  assert.equal(of("https://github.com/x", { HTTPS_PROXY: P }), P);
  assert.equal(of("https://github.com/x", { https_proxy: P, HTTPS_PROXY: "http://other:1" }), P);
  assert.equal(of("https://github.com/x", { HTTP_PROXY: P }), P, "https falls back to HTTP_PROXY");
  assert.equal(of("http://mirror.lan/x", { HTTPS_PROXY: P }), undefined, "http never uses HTTPS_PROXY");
  assert.equal(of("http://mirror.lan/x", { http_proxy: P }), P);
});

Deno.test("proxyFor: NO_PROXY by host, subdomain, suffix, port, IPv6 literal and *", () => {
  const env = (no: string) => ({ HTTPS_PROXY: P, NO_PROXY: no });
  assert.equal(of("https://mirror.lan/x", env("mirror.lan")), undefined);
  assert.equal(of("https://a.mirror.lan/x", env("mirror.lan")), undefined);
  assert.equal(of("https://a.mirror.lan/x", env(".mirror.lan")), undefined);
  assert.equal(of("https://notmirror.lan/x", env("mirror.lan")), P, "a suffix matches at a dot only");
  assert.equal(of("https://mirror.lan:8443/x", env("mirror.lan:8443")), undefined);
  assert.equal(of("https://mirror.lan/x", env("mirror.lan:8443")), P, "another port still goes through");
  assert.equal(of("https://[::1]:8443/x", env("::1")), undefined);
  assert.equal(of("https://[::1]:8443/x", env("[::1]:8443")), undefined);
  assert.equal(of("https://[::1]:8443/x", env("[::1]:9000")), P);
  assert.equal(of("https://github.com/x", env("localhost, 127.0.0.1 ,github.com")), undefined);
  assert.equal(of("https://github.com/x", { https_proxy: P, no_proxy: "*" }), undefined);
});
