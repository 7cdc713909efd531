/** The namespace mirror: a container in the namespace fetches from it over verified HTTPS; the host cannot. */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { startMirror } from "./harness/mirror.ts";
import { Network } from "./harness/network.ts";
import { Container } from "./harness/container.ts";
import { etcdFixture } from "../support/etcd_fixtures.ts";

Deno.test("mirror: serves its files inside the namespace, with its own CA, and logs requests", async () => {
  const fx = await etcdFixture("sid");
  const net = await Network.create();
  let mirror: Awaited<ReturnType<typeof startMirror>> | undefined;
  let ct: Container | undefined;
  try {
    const host = await net.addHost();
    mirror = await startMirror(host.netns, { [`/${fx.version}/SHA256SUMS`]: fx.sha256sums });
    ct = await Container.boot({ name: "mirror", netns: host.netns });
    await Deno.writeTextFile(ct.path("/root/ca.pem"), mirror.caPem);
    const got = await ct.execOk([
      "curl",
      "-fsS",
      "--cacert",
      "/root/ca.pem",
      `${mirror.url}/${fx.version}/SHA256SUMS`,
    ]);
    assertEquals(got, await Deno.readTextFile(fx.sha256sums));
    assertEquals(
      (await ct.exec(["curl", "-fsS", `${mirror.url}/${fx.version}/SHA256SUMS`])).code,
      60,
      "unknown CA",
    );
    assertEquals(
      (await ct.exec(["curl", "-fsS", "--cacert", "/root/ca.pem", `${mirror.url}/nope`])).code,
      22,
    );
    await ct.destroy();
    await mirror.close();
    assertEquals(mirror.requests, [`/${fx.version}/SHA256SUMS`, "/nope"]);
  } finally {
    await ct?.destroy();
    await mirror?.close();
    await net.destroy();
  }
});
